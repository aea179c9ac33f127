"""GET /api/event-counts: how many events each district's services published, by type."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tak_reporting.dependencies import Pool

router = APIRouter(prefix="/api", tags=["reporting"])


class EventCount(BaseModel):
    district: str
    service: str
    event_type: str = Field(
        description="The CloudEvents type, e.g. `se.tak.intake.person_registered.v1`."
    )
    events: int = Field(description="Events of this type in the audit copy.")


@router.get("/event-counts", summary="Events per district, service and event type")
async def event_counts(
    pool: Pool,
    district: Annotated[str | None, Query(max_length=100)] = None,
    service: Annotated[str | None, Query(max_length=100)] = None,
) -> list[EventCount]:
    rows = await pool.fetch(
        "SELECT district, service, event_type, events FROM event_counts"
        " WHERE ($1::text IS NULL OR district = $1) AND ($2::text IS NULL OR service = $2)"
        " ORDER BY district, service, event_type",
        district,
        service,
    )
    return [EventCount.model_validate(dict(r)) for r in rows]

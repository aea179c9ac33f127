"""GET /api/work-list: the coordinator's work list, most pressing first.

Read from the service's own read model (PostgreSQL). ``after`` is a position from a command's
answer: the list waits until it includes that write (read-your-writes). ``today`` is the
service's clock, so the flags that say why a case stands where it does are computed there.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from tak_evictions.dependencies import AppServices
from tak_evictions.projections.work_list import URGENT_WITHIN_DAYS, WorkListReadModel, read_page
from tak_platform.bounds import MAX_PAGE, MAX_POSITION
from tak_platform.errors import Unavailable
from tak_platform.problems import problems

router = APIRouter(
    prefix="/api/work-list",
    tags=["work list"],
    responses=problems(
        503,
        notes={
            503: "The list has not yet reached the position `after` names (retry in a moment), "
            "or this instance keeps its cases in memory and has no work list"
        },
    ),
)
READ_YOUR_WRITES_SECONDS = 5.0


class WorkListUnavailable(Unavailable):
    """Not yet (the list has not caught up), or not here (an instance without PostgreSQL)."""


class WorkListItem(BaseModel):
    case_id: UUID
    district: str
    coordinator: str
    status: Literal["open", "closed"]
    tenant_name: str
    signal_kinds: list[str]
    registered_on: date
    first_contact_due: date = Field(description="Registration plus the first-contact working days.")
    first_contact_attempted: bool
    contact_reached: bool
    eviction_date: date | None
    children_registered: int
    children_not_registered: int
    emergency_request_id: UUID | None
    version: int
    updated_at: datetime
    alert: bool = Field(description="A child was evicted and no housing alternative is recorded.")
    overdue: bool = Field(description="Open, no contact attempted, and its due day has passed.")
    urgent: bool = Field(
        description=f"Open, eviction within {URGENT_WITHIN_DAYS} days, and nobody reached."
    )
    days_to_eviction: int | None = Field(description="Days from today; negative once passed.")


class WorkListPage(BaseModel):
    items: list[WorkListItem]
    page: int
    page_size: int
    total: int = Field(description="Rows in the whole filtered list.")
    position: int = Field(description="The log position the list includes at least.")


async def _read_model(request: Request) -> WorkListReadModel:
    model: WorkListReadModel | None = getattr(request.app.state, "work_list", None)
    if model is None:
        raise WorkListUnavailable(
            "the work list needs PostgreSQL: this instance keeps its cases in memory",
            fix="start the service with TAK_DATABASE_URL set",
        )
    return model


ReadModel = Annotated[WorkListReadModel, Depends(_read_model)]


@router.get("", summary="The coordinator's work list, most pressing first")
async def get_work_list(
    services: AppServices,
    model: ReadModel,
    coordinator: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[
        Literal["open", "closed", "all"],
        Query(description="open also lists closed cases whose child alert is still open."),
    ] = "open",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    after: Annotated[
        int | None,
        Query(
            ge=0, le=MAX_POSITION, description="A position from a command's answer: wait for it."
        ),
    ] = None,
) -> WorkListPage:
    await _caught_up(model, after)
    position = model.follower.status.position
    async with model.pool.acquire() as conn:
        rows, total = await read_page(
            conn,
            today=services.now().date(),
            coordinator=coordinator,
            status=status,
            page=page,
            page_size=page_size,
        )
    items = [WorkListItem.model_validate(r) for r in rows]
    return WorkListPage(items=items, page=page, page_size=page_size, total=total, position=position)


async def _caught_up(model: WorkListReadModel, after: int | None) -> None:
    if after is None or await model.follower.wait_for(after, READ_YOUR_WRITES_SECONDS):
        return
    raise WorkListUnavailable(
        f"the work list has not reached position {after} yet"
        f" (it is at {model.follower.status.position})",
        field="after",
        fix="retry in a moment",
    )

"""GET /api/dead-letters: the messages reporting could not read or store, newest first."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tak_reporting.dependencies import Pool

router = APIRouter(prefix="/api", tags=["reporting"])


class DeadLetter(BaseModel):
    """The message is kept whole in the database; the API shows where it was and why."""

    id: int
    stream_sequence: int = Field(description="Where the message is on the stream.")
    nats_subject: str
    reason: str = Field(description="Why it could not be read or stored.")
    received_at: datetime


@router.get("/dead-letters", summary="Messages that could not be read, with the reason")
async def dead_letters(
    pool: Pool, limit: int = Query(default=100, ge=1, le=1000)
) -> list[DeadLetter]:
    rows = await pool.fetch(
        "SELECT id, stream_sequence, nats_subject, reason, received_at"
        " FROM dead_letters ORDER BY id DESC LIMIT $1",
        limit,
    )
    return [DeadLetter.model_validate(dict(r)) for r in rows]

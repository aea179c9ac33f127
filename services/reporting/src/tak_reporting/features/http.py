"""Reporting's HTTP API: read models, dead letters, the audit chain."""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Query, Request

from tak_reporting.features.verify import verify

router = APIRouter(prefix="/api", tags=["reporting"])


def _pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.pool
    return pool


Pool = Annotated[asyncpg.Pool, Depends(_pool)]


@router.get("/event-counts", summary="Events per district, service and event type")
async def event_counts(
    pool: Pool,
    district: Annotated[str | None, Query(max_length=100)] = None,
    service: Annotated[str | None, Query(max_length=100)] = None,
) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT district, service, event_type, events FROM event_counts"
        " WHERE ($1::text IS NULL OR district = $1) AND ($2::text IS NULL OR service = $2)"
        " ORDER BY district, service, event_type",
        district,
        service,
    )
    return [dict(r) for r in rows]


@router.get("/dead-letters", summary="Messages that could not be read, with the reason")
async def dead_letters(
    pool: Pool, limit: int = Query(default=100, ge=1, le=1000)
) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT id, stream_sequence, nats_subject, reason, received_at"
        " FROM dead_letters ORDER BY id DESC LIMIT $1",
        limit,
    )
    return [dict(r) for r in rows]


@router.get(
    "/audit/verify",
    summary="Check that nothing was lost or doubled: chain, stream, producers' logs",
    description="Recomputes the audit copy's hash chain; checks that every message on the "
    "stream up to reporting's position is held exactly once and no event id is on the stream "
    "twice; and, for each producer in `TAK_PRODUCERS`, that every event its log publishes is on "
    "the stream once and in the audit copy once. `valid` is false with every problem named.",
)
async def audit_verify(request: Request, pool: Pool) -> dict[str, Any]:
    runtime = request.app.state.runtime
    found = await verify(request.app.state.settings, pool, runtime.nats)
    return found.report()

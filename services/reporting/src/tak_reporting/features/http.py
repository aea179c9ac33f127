"""Reporting's HTTP API: read models, dead letters, the audit chain."""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Query, Request

from tak_reporting.projections.store import verify_chain

router = APIRouter(prefix="/api", tags=["reporting"])


def _pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.pool
    return pool


Pool = Annotated[asyncpg.Pool, Depends(_pool)]


@router.get("/event-counts", summary="Events per district, service and event type")
async def event_counts(
    pool: Pool, district: str | None = None, service: str | None = None
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


@router.get("/audit/verify", summary="Recompute the hash chain of the audit copy")
async def verify(pool: Pool) -> dict[str, Any]:
    async with pool.acquire() as conn:
        return await verify_chain(conn)

"""The only place that wires the reporting service together."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from fastapi import FastAPI
from nats.js.errors import Error as JetStreamError

from tak_platform.database import create_database, database_url
from tak_platform.health import Progress
from tak_platform.http import create_service_app
from tak_platform.runtime import Runtime
from tak_reporting.consumer import StreamReader, consumer_worker
from tak_reporting.features.dead_letters.http import router as dead_letters_router
from tak_reporting.features.event_counts.http import router as event_counts_router
from tak_reporting.features.verify_audit.http import router as verify_audit_router
from tak_reporting.projections.store import accounted, create_schema
from tak_reporting.settings import ReportingSettings


def create_app(settings: ReportingSettings) -> FastAPI:
    """Reporting's app; its database is created (if missing) when the app starts."""
    server = settings.database_url
    if server is None:
        raise ValueError("reporting needs TAK_DATABASE_URL: its read models live in PostgreSQL")
    url = database_url(server, settings.db_name)
    runtime = Runtime(settings)
    health = _ConsumerHealth(settings, runtime)

    async def startup(api: FastAPI) -> None:
        await asyncio.to_thread(create_database, server, settings.db_name)
        pool = await asyncpg.create_pool(url, min_size=1, max_size=5)
        async with pool.acquire() as conn:
            await create_schema(conn)
        api.state.pool = pool
        health.reader = StreamReader(settings, pool)
        runtime.workers["consumer"] = consumer_worker(health.reader)

    async def shutdown() -> None:
        if health.reader is not None:
            await health.reader.pool.close()

    api = create_service_app(
        runtime,
        title="Tak reporting",
        description="Read models of the whole event stream for the central office "
        "(*socialförvaltningen*) and the audit copy auditors replay.",
        on_startup=startup,
        on_shutdown=shutdown,
        health_extra=health.report,
        database_url=url,
    )
    api.state.settings, api.state.runtime = settings, runtime
    for router in (event_counts_router, dead_letters_router, verify_audit_router):
        api.include_router(router)
    return api


class _ConsumerHealth:
    """The consumer on ``/health``: its position, how every message up to it was accounted
    for (events, repeats, dead letters), how far the stream is ahead, and whether it moves."""

    def __init__(self, settings: ReportingSettings, runtime: Runtime) -> None:
        self.settings, self.runtime = settings, runtime
        self.reader: StreamReader | None = None
        self.progress = Progress()

    async def report(self) -> dict[str, Any]:
        if self.reader is None:
            return {"consumer": "starting"}
        out: dict[str, Any] = self.reader.status.report()
        try:
            async with self.reader.pool.acquire(timeout=2.0) as conn:
                out |= await accounted(conn, self.settings.consumer_name)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            return {"consumer": out | {"counts": f"unavailable: {exc}"}}
        return {"consumer": out | await self._stream(out)}

    async def _stream(self, out: dict[str, Any]) -> dict[str, Any]:
        nc = self.runtime.nats
        if nc is None or not nc.is_connected:
            return {}
        try:
            info = await nc.jetstream().stream_info(self.settings.stream_name)
        except (JetStreamError, TimeoutError) as exc:
            return {"stream": f"unavailable: {exc}"}
        stream = {"stream_last_seq": info.state.last_seq, "stream_messages": info.state.messages}
        whole = info.config.subjects == [self.settings.subject_filter]
        behind = info.state.last_seq > out["position"]
        return stream | {
            "problems": _problems(out | stream, whole),
            "stuck": self._stuck(out, behind),
        }

    def _stuck(self, out: dict[str, Any], behind: bool) -> str | None:
        waited = self.progress.stuck(out["position"], behind)
        return f"consumer stuck at {out['position']} for {waited}s" if waited else None


def _problems(out: dict[str, Any], whole_stream: bool) -> list[str]:
    problems = [f"batch not committed, retrying: {out['last_error']}"] if out["failures"] else []
    if out["dead_letters"]:
        problems.append(f"{out['dead_letters']} messages dead-lettered (GET /api/dead-letters)")
    caught_up = out["position"] >= out["stream_last_seq"]
    if whole_stream and caught_up and out["accounted"] != out["stream_messages"]:
        problems.append(
            f"gap: {out['stream_messages']} messages on the stream,"
            f" {out['accounted']} accounted for in reporting"
        )
    return problems

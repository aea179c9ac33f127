"""The only place that wires the reporting service together."""

from __future__ import annotations

import asyncpg
from fastapi import FastAPI

from tak_platform.http import create_service_app
from tak_platform.runtime import Runtime
from tak_platform.servers import create_database
from tak_reporting.consumer import consumer_worker
from tak_reporting.features.http import router
from tak_reporting.projections.store import create_schema
from tak_reporting.settings import ReportingSettings


def create_app(settings: ReportingSettings) -> FastAPI:
    if settings.database_url is None:
        raise ValueError("reporting needs TAK_DATABASE_URL: its read models live in PostgreSQL")
    url = create_database(settings.database_url, settings.db_name)
    runtime = Runtime(settings)
    holder: dict[str, asyncpg.Pool] = {}

    async def startup(api: FastAPI) -> None:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=5)
        async with pool.acquire() as conn:
            await create_schema(conn)
        api.state.pool = holder["pool"] = pool
        runtime.workers["consumer"] = consumer_worker(settings, pool)

    async def shutdown() -> None:
        await holder["pool"].close()

    api = create_service_app(
        runtime,
        title="Tak reporting",
        description="Read models of the whole event stream for the central office "
        "(*socialförvaltningen*) and the audit copy auditors replay.",
        on_startup=startup,
        on_shutdown=shutdown,
        health_extra=lambda: _health(holder),
    )
    api.include_router(router)
    return api


def _health(holder: dict[str, asyncpg.Pool]) -> dict[str, object]:
    return {"database": "connected" if "pool" in holder else "starting"}

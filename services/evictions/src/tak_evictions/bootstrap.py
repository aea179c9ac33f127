"""The only place that wires the evictions service together."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

import asyncpg
from fastapi import FastAPI

from tak_evictions.application import EvictionsApp
from tak_evictions.features.close_case.http import router as close_case_router
from tak_evictions.features.emergency_apartment_assigned.consumer import consumer_worker
from tak_evictions.features.get_case.http import router as get_case_router
from tak_evictions.features.register_threat.http import router as register_threat_router
from tak_evictions.features.work_list.http import router as work_list_router
from tak_evictions.features.work_the_case.http import router as work_the_case_router
from tak_evictions.integration.mapping import to_integration
from tak_evictions.projections import work_list
from tak_evictions.settings import EvictionsSettings
from tak_platform.follower import Follower
from tak_platform.producer import open_application, producer_app
from tak_platform.runtime import Worker


def create_app(settings: EvictionsSettings, now: Callable[[], datetime] | None = None) -> FastAPI:
    clock = now or settings.now
    app = open_application(
        EvictionsApp,
        settings,
        district=settings.district,
        pseudonym_key=settings.pseudonym_key.get_secret_value(),
    )
    reading = _WorkList(
        work_list.WorkListProjection(
            app, settings.first_contact_working_days, work_list.swedish_holidays()
        )
    )
    api = producer_app(
        settings,
        app,
        to_integration,
        title="Tak evictions",
        description="Eviction prevention (*vräkningsförebyggande arbete*) for a district's "
        "housing coordinators (*bosamordnare*).",
        on_startup=reading.start,
        on_shutdown=reading.close,
        health_extra=reading.health,
        workers=_consumers(settings, app, clock),
        local_workers={"work_list": reading.run},
        routers=(
            register_threat_router,
            get_case_router,
            work_the_case_router,
            close_case_router,
            work_list_router,
        ),
        now=clock,
    )
    return api


def _consumers(
    settings: EvictionsSettings, app: EvictionsApp, clock: Callable[[], datetime]
) -> dict[str, Worker]:
    if app.database_url is None:
        return {}
    return {"emergency_apartment_assigned": consumer_worker(settings, app, clock)}


class _WorkList:
    """The work list's read model: its pool opens with the app, its follower runs as a local
    worker (it needs only PostgreSQL, so it stays current while NATS is away)."""

    def __init__(self, projection: work_list.WorkListProjection) -> None:
        self.projection = projection
        self.model: work_list.WorkListReadModel | None = None

    async def start(self, api: FastAPI) -> None:
        app = self.projection.app
        if app.database_url is None:
            return
        pool = await asyncpg.create_pool(app.database_url, min_size=1, max_size=5)
        async with pool.acquire() as conn:
            await work_list.create_schema(conn)
        follower = Follower(work_list.NAME, app, pool, self.projection.handle)
        api.state.work_list = self.model = work_list.WorkListReadModel(pool, follower)

    async def run(self, stop: asyncio.Event) -> None:
        if self.model is not None:
            await self.model.follower.run(stop)

    async def close(self) -> None:
        if self.model is not None:
            await self.model.pool.close()

    def health(self) -> dict[str, object]:
        status = self.model.follower.status.report() if self.model else "needs PostgreSQL"
        return {"work_list": status}

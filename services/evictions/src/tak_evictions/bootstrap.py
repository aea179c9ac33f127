"""The only place that wires the evictions service together."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

import asyncpg
from fastapi import FastAPI
from faststream.nats import NatsRouter

from tak_evictions.application import EvictionsApp
from tak_evictions.domain.deadlines import swedish_holidays
from tak_evictions.features.close_case.http import router as close_case_router
from tak_evictions.features.emergency_apartment_assigned.consumer import (
    AssignmentRecorder,
    build_router,
)
from tak_evictions.features.get_case.http import router as get_case_router
from tak_evictions.features.get_work_list.http import router as get_work_list_router
from tak_evictions.features.register_threat.http import router as register_threat_router
from tak_evictions.features.work_the_case.http import router as work_the_case_router
from tak_evictions.integration.mapping import to_integration
from tak_evictions.projections import emergency_requests, work_list
from tak_evictions.settings import EvictionsSettings
from tak_platform.follower import Follower, Handler
from tak_platform.producer import open_application, producer_app
from tak_platform.runtime import LocalWorker


def create_app(settings: EvictionsSettings, now: Callable[[], datetime] | None = None) -> FastAPI:
    clock = now or settings.now
    app = open_application(
        EvictionsApp,
        settings,
        district=settings.district,
        pseudonym_key=settings.pseudonym_key.get_secret_value(),
    )
    read_models = _ReadModels(app, settings)
    return producer_app(
        settings,
        app,
        to_integration,
        title="Tak evictions",
        description="Eviction prevention (*vräkningsförebyggande arbete*) for a district's "
        "housing coordinators (*bosamordnare*).",
        on_startup=read_models.open,
        on_shutdown=read_models.close,
        health_extra=read_models.health,
        nats_routers=_consumers(settings, read_models, clock),
        local_workers=read_models.followers(),
        routers=(
            register_threat_router,
            get_case_router,
            work_the_case_router,
            close_case_router,
            get_work_list_router,
        ),
        now=clock,
    )


def _consumers(
    settings: EvictionsSettings, read_models: _ReadModels, clock: Callable[[], datetime]
) -> list[NatsRouter]:
    """The service's consumers, on its one broker; in memory there are none."""
    if read_models.app.database_url is None:
        return []
    return [build_router(settings, read_models.recorder, clock)]


class _ReadModels:
    """The service's read models (the work list; the emergency-request index): one pool that
    opens with the app; their followers run as local workers (they need only PostgreSQL, so
    they stay current while NATS is away). In memory there are none."""

    def __init__(self, app: EvictionsApp, settings: EvictionsSettings) -> None:
        self.app = app
        rows = work_list.WorkListProjection(
            app, settings.first_contact_working_days, swedish_holidays()
        )
        self.handlers: dict[str, Handler] = {
            work_list.NAME: rows.handle,
            emergency_requests.NAME: emergency_requests.EmergencyRequestsProjection(app).handle,
        }
        self.pool: asyncpg.Pool | None = None
        self.following: dict[str, Follower] = {}
        self.assignments: AssignmentRecorder | None = None

    async def open(self, api: FastAPI) -> None:
        if self.app.database_url is None:
            return
        self.pool = await asyncpg.create_pool(self.app.database_url, min_size=1, max_size=5)
        async with self.pool.acquire() as conn:
            await work_list.create_schema(conn)
            await emergency_requests.create_schema(conn)
        self.following = {
            name: Follower(name, self.app, self.pool, handle)
            for name, handle in self.handlers.items()
        }
        api.state.work_list = work_list.WorkListReadModel(self.pool, self.following[work_list.NAME])
        index = emergency_requests.EmergencyRequestsReadModel(
            self.pool, self.following[emergency_requests.NAME]
        )
        self.assignments = AssignmentRecorder(self.app, index)

    def recorder(self) -> AssignmentRecorder:
        """What the consumer records assignments with (once ``open`` has run)."""
        if self.assignments is None:
            raise RuntimeError("the read models open before the consumers start")
        return self.assignments

    def followers(self) -> dict[str, LocalWorker]:
        """Each read model's follower, by the read model's short name (``work_list``)."""
        return {_short(name): self._follow(name) for name in self.handlers}

    def _follow(self, name: str) -> LocalWorker:
        async def run(stop: asyncio.Event) -> None:
            if (follower := self.following.get(name)) is not None:
                await follower.run(stop)

        return run

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    def health(self) -> dict[str, object]:
        """Each follower's progress, by the read model's short name."""
        return {_short(name): self._health(name) for name in self.handlers}

    def _health(self, name: str) -> object:
        follower = self.following.get(name)
        return follower.status.report() if follower else "needs PostgreSQL"


def _short(name: str) -> str:
    return name.removeprefix("evictions.")

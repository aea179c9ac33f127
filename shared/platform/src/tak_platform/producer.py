"""Wiring shared by the producing services: their database, relay, runtime and app."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI
from faststream.nats import NatsRouter
from nats.aio.client import Client

from tak_platform.application import TakApplication
from tak_platform.database import create_database
from tak_platform.dependencies import Services
from tak_platform.http import HealthExtra, create_service_app
from tak_platform.outbox import outbox_router
from tak_platform.relay import EventMapping, Relay
from tak_platform.runtime import LocalWorker, Runtime, Worker
from tak_platform.settings import ServiceSettings

T = TypeVar("T", bound=TakApplication)


def open_application(cls: type[T], settings: ServiceSettings, **kwargs: Any) -> T:
    """The service's Application on its own database (created if missing), or in memory."""
    url = (
        create_database(settings.database_url, settings.db_name) if settings.database_url else None
    )
    kek = settings.key_encryption_key.get_secret_value() if settings.key_encryption_key else None
    return cls.for_database(url, kek=kek, **kwargs)


def producer_app(
    settings: ServiceSettings,
    app: TakApplication,
    mapping: EventMapping,
    *,
    title: str,
    description: str,
    on_startup: Callable[[FastAPI], Awaitable[None]] | None = None,
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
    health_extra: HealthExtra | None = None,
    workers: dict[str, Worker] | None = None,
    local_workers: dict[str, LocalWorker] | None = None,
    nats_routers: Sequence[NatsRouter] = (),
    routers: Sequence[APIRouter] = (),
    now: Callable[[], datetime] | None = None,
) -> FastAPI:
    """The FastAPI app of a producing service, with its relay when it has a database.

    ``nats_routers`` are the service's consumers (faststream routers, on the runtime's one
    broker); ``workers`` need NATS too, ``local_workers`` only the database (read-model
    followers); all run supervised beside the API and are drained at shutdown.
    ``on_startup`` / ``on_shutdown`` open and close the service's own resources (a read model's
    pool); ``health_extra`` adds what they report to ``/health``. Request handlers get the
    app, its idempotent commands' receipts and the clock (``now``, the district's local time
    by default) from ``tak_platform.dependencies``.
    """
    runtime = Runtime(settings, dict(workers or {}), dict(local_workers or {}), nats_routers)
    relay = None
    if app.database_url is not None:
        relay = Relay(
            service=settings.service,
            district=settings.district,
            database_url=app.database_url,
            stream=settings.stream_name,
            app=app,
            mapping=mapping,
            batch_size=settings.relay_batch_size,
        )
        runtime.workers["relay"] = _relay_worker(relay)
        routers = (*routers, outbox_router(relay))
    api = create_service_app(
        runtime,
        title=title,
        description=description,
        health_extra=_with_relay(relay, health_extra),
        database_url=app.database_url,
        on_startup=on_startup,
        on_shutdown=_then_close(on_shutdown, app),
    )
    api.state.services = Services(app=app, idempotency=app.receipts, now=now or settings.now)
    for router in routers:
        api.include_router(router)
    return api


def _then_close(
    on_shutdown: Callable[[], Awaitable[None]] | None, app: TakApplication
) -> Callable[[], Awaitable[None]]:
    async def shutdown() -> None:
        if on_shutdown is not None:
            await on_shutdown()
        app.close()

    return shutdown


def _relay_worker(relay: Relay) -> Any:
    async def work(nc: Client, stop: asyncio.Event) -> None:
        await relay.run(nc, stop)

    return work


def _with_relay(relay: Relay | None, extra: HealthExtra | None) -> HealthExtra:
    async def health() -> dict[str, Any]:
        more = extra() if extra else {}
        return {"relay": relay_health(relay)} | (await more if inspect.isawaitable(more) else more)

    return health


def relay_health(relay: Relay | None) -> dict[str, object] | None:
    if relay is None:
        return None
    return relay.report()

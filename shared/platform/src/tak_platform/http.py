"""The parts of every service's FastAPI app: health, OpenAPI, error bodies, the lifespan.

Every ``TakError`` a service raises is answered here, once: its kind gives the status, its field
the ``loc``. What a command route asks for (``Idempotency``, ``ExpectedVersion``) is declared in
``tak_platform.dependencies`` and exported from here too.
"""

from __future__ import annotations

import gc
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from tak_platform.dependencies import ExpectedVersion as ExpectedVersion
from tak_platform.dependencies import Idempotency as Idempotency
from tak_platform.errors import Kind, TakError
from tak_platform.guard import InputGuard
from tak_platform.health import judge, postgres_reachable
from tak_platform.problems import Loc, problem, problems
from tak_platform.runtime import Runtime
from tak_platform.validation import validation_refused


class Health(BaseModel):
    """What ``/health`` says; each part (NATS, the relay, each worker, a read model) adds its
    own report beside these, by its name."""

    model_config = ConfigDict(extra="allow")
    service: str
    district: str
    status: Literal["ok", "degraded", "unhealthy"]
    problems: list[str] = Field(description="What needs a look, or (unhealthy) what is lost.")


HealthExtra = Callable[[], dict[str, Any] | Awaitable[dict[str, Any]]]
"""What a service adds to ``/health``; a part may report ``problems`` and ``stuck`` (health.py)."""


def create_service_app(
    runtime: Runtime,
    *,
    title: str,
    description: str,
    health_extra: HealthExtra | None = None,
    database_url: str | None = None,
    on_startup: Callable[[FastAPI], Awaitable[None]] | None = None,
    on_shutdown: Callable[[], Awaitable[None] | None] | None = None,
) -> FastAPI:
    """A FastAPI app whose lifespan runs the service's workers and drains them at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if on_startup is not None:
            await on_startup(app)
        runtime.start()
        # What start-up made lives as long as the process: out of the collector's way, so that
        # a full collection under load walks only what requests made (shorter pauses).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await runtime.stop()
            closing = on_shutdown() if on_shutdown is not None else None
            if closing is not None:
                await closing

    app = FastAPI(
        title=title, description=description, lifespan=lifespan, responses=problems(413, 422)
    )
    app.add_exception_handler(TakError, refused)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_refused)  # type: ignore[arg-type]
    app.add_middleware(InputGuard, max_body_bytes=runtime.settings.max_body_bytes)

    @app.get(
        "/health",
        tags=["operations"],
        summary="The state of the database, NATS and every worker",
        description="`status` is `ok`, `degraded` (working, but a listed problem needs a look) "
        "or `unhealthy` (503: the database is lost or a worker is stuck).",
        responses={503: {"model": Health, "description": "Unhealthy: the problems say why"}},
    )
    async def health(response: Response) -> Health:
        details = runtime.health()
        if database_url is not None:
            details["database"] = await postgres_reachable(database_url)
        extra = health_extra() if health_extra else {}
        details |= await extra if inspect.isawaitable(extra) else extra
        verdict = judge(details)
        head = {"service": runtime.settings.service, "district": runtime.settings.district}
        body = head | verdict.body() | details
        response.status_code = 503 if verdict.status == "unhealthy" else 200
        return Health.model_validate(jsonable_encoder(body))

    return app


STATUS: dict[Kind, int] = {
    Kind.REFUSED: 422,
    Kind.CONFLICT: 409,
    Kind.NOT_FOUND: 404,
    Kind.WEEDED: 410,
    Kind.UNAVAILABLE: 503,
}
"""The answer to each kind of error: the only place an error becomes a status."""


async def refused(request: Request, exc: TakError) -> JSONResponse:
    """Every ``TakError`` of every service, in the one problem shape."""
    loc = field_location(request, exc.field)
    return problem(STATUS[exc.kind], exc.message, loc=loc, fix=exc.fix, kind=type(exc).__name__)


def field_location(request: Request, field: str | None) -> Loc:
    """Where in the request a command's field came from: its path parameter, query parameter
    or header, else its path in the body. ``id`` is the record the route is about: the last
    parameter of its path (``case_id`` in ``/api/cases/{case_id}/notes``)."""
    if field is None:
        return []
    params = list(request.path_params)
    if field == "id" and params:
        return ["path", params[-1]]
    if field in params:
        return ["path", field]
    if field in request.query_params:
        return ["query", field]
    if field in request.headers:
        return ["header", field.lower()]
    return ["body", *field.split(".")]

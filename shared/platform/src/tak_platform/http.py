"""The parts of every service's FastAPI app: health, OpenAPI, error bodies, the lifespan."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from tak_platform.errors import TakError
from tak_platform.guard import InputGuard
from tak_platform.health import judge, postgres_reachable
from tak_platform.problems import problem, problems
from tak_platform.runtime import Runtime
from tak_platform.validation import validation_refused

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
    app.add_exception_handler(TakError, _tak_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_refused)  # type: ignore[arg-type]
    app.add_middleware(InputGuard, max_body_bytes=runtime.settings.max_body_bytes)

    @app.get(
        "/health",
        tags=["operations"],
        summary="The state of the database, NATS and every worker",
        description="`status` is `ok`, `degraded` (working, but a listed problem needs a look) "
        "or `unhealthy` (503: the database is lost or a worker is stuck).",
        responses={503: {"description": "Unhealthy: the problems say why"}},
    )
    async def health() -> JSONResponse:
        details = runtime.health()
        if database_url is not None:
            details["database"] = await postgres_reachable(database_url)
        extra = health_extra() if health_extra else {}
        details |= await extra if inspect.isawaitable(extra) else extra
        verdict = judge(details)
        head = {"service": runtime.settings.service, "district": runtime.settings.district}
        body = head | verdict.body() | details
        code = 503 if verdict.status == "unhealthy" else 200
        return JSONResponse(jsonable_encoder(body), status_code=code)

    return app


async def _tak_error(_: Request, exc: TakError) -> JSONResponse:
    return problem(
        exc.status,
        exc.message,
        loc=[exc.field] if exc.field else [],
        fix=exc.fix,
        kind=type(exc).__name__,
    )


def invalid_field(api: FastAPI, error: type[Exception], field: str) -> None:
    """Answer ``error`` with 422 naming ``field`` (a dotted path into the request body)."""

    async def handler(_: Request, exc: Exception) -> JSONResponse:
        return problem(422, str(exc), loc=["body", *field.split(".")])

    api.add_exception_handler(error, handler)

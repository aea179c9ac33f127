"""The parts of every service's FastAPI app: health, OpenAPI, error bodies, the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from tak_platform.errors import TakError
from tak_platform.guard import InputGuard
from tak_platform.problems import problem, problems
from tak_platform.runtime import Runtime
from tak_platform.validation import validation_refused

HealthExtra = Callable[[], dict[str, Any]]


def create_service_app(
    runtime: Runtime,
    *,
    title: str,
    description: str,
    health_extra: HealthExtra | None = None,
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

    @app.get("/health", tags=["operations"], summary="Liveness and the state of NATS and workers")
    def health() -> dict[str, Any]:
        body = {
            "service": runtime.settings.service,
            "district": runtime.settings.district,
            "status": "ok",
        } | runtime.health()
        return body | (health_extra() if health_extra else {})

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

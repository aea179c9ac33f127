"""What a request handler may ask for: the service's application, the time, and for a command
its ``Idempotency-Key`` and ``If-Match``, each declared once here for every route.

A command route is its request model, one dependency and one call to the service layer::

    async def write_note(body: NoteIn, step: Step) -> StepOut:
        return await step.record(step.app.write_note, body.command(step.on(body)))

Routes and dependencies are ``async def``: the service layer's synchronous work runs in the
thread pool once per request (``ServiceCall.run``), not once per dependency, as FastAPI does
with a plain ``def``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Header, Request, Response
from starlette.concurrency import run_in_threadpool

from tak_platform.bounds import MAX_KEY_LENGTH
from tak_platform.errors import Invalid
from tak_platform.idempotency import Receipt, ReceiptStore, fingerprint, run_idempotent

AppT = TypeVar("AppT")
C = TypeVar("C")


@dataclass(frozen=True)
class Services(Generic[AppT]):
    app: AppT
    idempotency: ReceiptStore
    """Receipts of idempotent commands (``run_idempotent``)."""
    now: Callable[[], datetime]
    """The clock: time is passed into the domain, never read inside it."""


async def services_of(request: Request) -> Services[Any]:
    """The application and the clock (``async``, as every dependency here: FastAPI runs a
    plain ``def`` dependency in its thread pool, a thread hop for a line of work)."""
    return _services(request)


def _services(request: Request) -> Services[Any]:
    services: Services[Any] = request.app.state.services
    return services


@dataclass(frozen=True)
class IdempotentRequest:
    """A command's ``Idempotency-Key`` and the fingerprint of its request (method, path and
    body): a retry with the key is answered from the first run's receipt, never run again."""

    store: ReceiptStore
    key: str | None
    fingerprint: str

    def run(self, command: Callable[[], object]) -> Receipt:
        return run_idempotent(self.store, self.key, self.fingerprint, command)


async def idempotency(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=MAX_KEY_LENGTH,
            description="Retries with the same key are answered once, from the first answer.",
        ),
    ] = None,
) -> IdempotentRequest:
    body = await request.body()
    print_ = fingerprint(f"{request.method} {request.url.path}", _document(body))
    return IdempotentRequest(_services(request).idempotency, idempotency_key, print_)


def _document(body: bytes) -> Any:
    """The body as JSON, so that a retry is the same request whatever its key order."""
    try:
        return json.loads(body) if body else None
    except ValueError:  # not JSON: the route refuses it, and its text stands for it
        return body.decode("latin-1")


async def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            max_length=40,
            description="The version the command is based on; a stale one is refused with 409.",
        ),
    ] = None,
) -> int | None:
    """The version ``If-Match`` names (``3``, ``"3"`` or ``W/"3"``), or None."""
    if if_match is None:
        return None
    try:
        return int(if_match.strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError:
        raise Invalid(
            "If-Match is not a version number",
            field="If-Match",
            fix="send the version number from the record, e.g. If-Match: 3",
        ) from None


ExpectedVersion = Annotated[int | None, Depends(expected_version)]
Idempotency = Annotated[IdempotentRequest, Depends(idempotency)]


@dataclass(frozen=True)
class ServiceCall(Generic[AppT]):
    """One command on its way to the service layer: the application, the time now, the
    request's ``Idempotency-Key``, and the answer (whose status a use case may set)."""

    app: AppT
    now: datetime
    idempotency: IdempotentRequest
    response: Response

    async def run(self, use_case: Callable[[C], object], command: C) -> Receipt:
        """``use_case(command)``, once per key, in the thread pool (the service layer is
        synchronous); the receipt its answer is made from. The route itself is ``async``: the
        request's one thread hop is this one."""
        return await run_in_threadpool(self.idempotency.run, lambda: use_case(command))


async def service_call(
    request: Request, response: Response, idempotency: Idempotency
) -> ServiceCall[Any]:
    services = _services(request)
    return ServiceCall(services.app, services.now(), idempotency, response)

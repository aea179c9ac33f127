"""What a request handler may ask for: the service's application, its receipts, the time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from fastapi import Request

from tak_platform.idempotency import ReceiptStore

AppT = TypeVar("AppT")


@dataclass(frozen=True)
class Services(Generic[AppT]):
    app: AppT
    idempotency: ReceiptStore
    """Receipts of idempotent commands (``run_idempotent``)."""
    now: Callable[[], datetime]
    """The clock: time is passed into the domain, never read inside it."""


def services_of(request: Request) -> Services[Any]:
    services: Services[Any] = request.app.state.services
    return services

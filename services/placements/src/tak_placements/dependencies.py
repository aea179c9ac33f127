"""What a request handler may ask for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from tak_placements.application import PlacementsApp
from tak_platform.idempotency import IdempotencyStore


@dataclass(frozen=True)
class Services:
    app: PlacementsApp
    idempotency: IdempotencyStore
    now: Callable[[], datetime]


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


Container = Annotated[Services, Depends(_services)]

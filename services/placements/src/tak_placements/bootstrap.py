"""The only place that wires the placements service together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from tak_placements.application import PlacementsApp
from tak_placements.features.add_apartment.http import router as add_apartment_router
from tak_placements.features.assign_apartment.http import router as assign_apartment_router
from tak_placements.features.get_apartment.http import router as get_apartment_router
from tak_placements.integration.mapping import to_integration
from tak_placements.settings import PlacementsSettings
from tak_platform.producer import open_application, producer_app


def create_app(settings: PlacementsSettings, now: Callable[[], datetime] | None = None) -> FastAPI:
    app = open_application(
        PlacementsApp,
        settings,
        district=settings.district,
        pseudonym_key=settings.pseudonym_key.get_secret_value(),
    )
    return producer_app(
        settings,
        app,
        to_integration,
        title="Tak placements",
        description="The housing chain (*vård- och boendekedjan*): a district's housing "
        "coordinators (*bosamordnare*) administer its apartments and assign them.",
        routers=(add_apartment_router, assign_apartment_router, get_apartment_router),
        now=now,
    )

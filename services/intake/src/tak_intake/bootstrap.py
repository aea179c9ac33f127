"""The only place that wires the intake service together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from tak_intake.application import IntakeApp
from tak_intake.features.get_person.http import router as get_person_router
from tak_intake.features.register_person.http import router as register_person_router
from tak_intake.integration.mapping import to_integration
from tak_intake.settings import IntakeSettings
from tak_platform.producer import open_application, producer_app


def create_app(settings: IntakeSettings, now: Callable[[], datetime] | None = None) -> FastAPI:
    app = open_application(
        IntakeApp,
        settings,
        district=settings.district,
        pseudonym_key=settings.pseudonym_key.get_secret_value(),
    )
    return producer_app(
        settings,
        app,
        to_integration,
        title="Tak intake",
        description="Intake (*mottagning*): a district's caseworkers (*handläggare*) register "
        "people in homelessness or at risk of it.",
        routers=(register_person_router, get_person_router),
        now=now,
    )

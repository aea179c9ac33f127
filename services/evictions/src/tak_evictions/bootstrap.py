"""The only place that wires the evictions service together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI

from tak_evictions.application import EvictionsApp
from tak_evictions.domain.eviction_case import EvictionDateBeforeSignal
from tak_evictions.features.get_case.http import router as get_case_router
from tak_evictions.features.register_threat.http import router as register_threat_router
from tak_evictions.integration.mapping import to_integration
from tak_evictions.settings import EvictionsSettings
from tak_platform.dependencies import Services
from tak_platform.http import invalid_field
from tak_platform.identity import InvalidIdentityNumber
from tak_platform.producer import idempotency_store, open_application, producer_app


def create_app(settings: EvictionsSettings, now: Callable[[], datetime] | None = None) -> FastAPI:
    app = open_application(
        EvictionsApp,
        settings,
        district=settings.district,
        pseudonym_key=settings.pseudonym_key.get_secret_value(),
    )
    api = producer_app(
        settings,
        app,
        to_integration,
        title="Tak evictions",
        description="Eviction prevention (*vräkningsförebyggande arbete*) for a district's "
        "housing coordinators (*bosamordnare*).",
    )
    api.state.services = Services(
        app=app, idempotency=idempotency_store(app), now=now or (lambda: datetime.now(UTC))
    )
    api.include_router(register_threat_router)
    api.include_router(get_case_router)
    invalid_field(api, InvalidIdentityNumber, "tenant.personal_identity_number")
    invalid_field(api, EvictionDateBeforeSignal, "signal.eviction_date")
    return api

"""The only place that wires the evictions service together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tak_evictions.application import EvictionsApp
from tak_evictions.domain.errors import CaseRuleError
from tak_evictions.features.close_case.http import router as close_case_router
from tak_evictions.features.get_case.http import router as get_case_router
from tak_evictions.features.register_threat.http import router as register_threat_router
from tak_evictions.features.work_the_case.http import router as work_the_case_router
from tak_evictions.integration.mapping import to_integration
from tak_evictions.settings import EvictionsSettings
from tak_platform.dependencies import Services
from tak_platform.http import invalid_field, problem
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
    for router in (
        register_threat_router,
        get_case_router,
        work_the_case_router,
        close_case_router,
    ):
        api.include_router(router)
    invalid_field(api, InvalidIdentityNumber, "tenant.personal_identity_number")
    api.add_exception_handler(CaseRuleError, _refused)  # type: ignore[arg-type]
    return api


async def _refused(_: Request, exc: CaseRuleError) -> JSONResponse:
    field = exc.field or ""
    loc = ["path", field] if field == "case_id" else ["body", *field.split(".")] if field else []
    return problem(
        409 if exc.conflict else 422, exc.message, loc=loc, fix=exc.fix, kind=type(exc).__name__
    )

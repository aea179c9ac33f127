"""GET /api/cases/{case_id}: the case as it stands (or stood at a version), with its history:
each event with its time, who recorded it, and what it said (``history.py``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tak_evictions.dependencies import AppServices
from tak_evictions.domain.eviction_case import EvictionCase
from tak_evictions.features.get_case.history import HistoryEntry, entry
from tak_evictions.features.get_case.values import (
    AlternativeOut,
    ChildOut,
    ClosureOut,
    ContactAttemptOut,
    LandlordOut,
    RepaymentPlanOut,
    SignalOut,
    TenantOut,
    landlord,
)
from tak_platform.bounds import MAX_VERSION
from tak_platform.problems import problems

router = APIRouter(prefix="/api/cases", tags=["cases"], responses=problems(404, 410))


class CaseOut(BaseModel):
    case_id: UUID
    version: int
    status: Literal["open", "closed"]
    district: str
    coordinator: str
    registered_on: date = Field(description="The day the case was (last re)opened.")
    tenant: TenantOut
    address: str
    landlord: LandlordOut
    adults: int
    children: list[ChildOut]
    signals: list[SignalOut]
    eviction_date: date | None
    contact_attempts: list[ContactAttemptOut]
    contact_reached: bool
    repayment_plans: list[RepaymentPlanOut]
    closure: ClosureOut | None
    housing_alternative: AlternativeOut | None
    child_alert_open: bool = Field(
        description="A child was evicted and no housing alternative is recorded yet."
    )
    emergency_apartment_request: UUID | None
    is_test_data: bool
    history: list[HistoryEntry] = Field(description="Every event up to this version, oldest first.")


@router.get("/{case_id}", summary="Get a case with its full history")
def get_case(
    case_id: UUID,
    services: AppServices,
    version: Annotated[
        int | None,
        Query(ge=1, le=MAX_VERSION, description="The case as it stood at this version."),
    ] = None,
) -> CaseOut:
    events: list[Any] = []
    case = services.app.get_case(case_id, version=version, history=events)
    return case_view(case, [entry(e) for e in events])


def case_view(case: EvictionCase, history: list[HistoryEntry]) -> CaseOut:
    h = case.household
    return CaseOut(
        case_id=case.id,
        version=case.version,
        status=case.status,
        district=case.district,
        coordinator=case.coordinator,
        registered_on=case.registered_on,
        tenant=TenantOut.model_validate(h.tenant),
        address=h.address,
        landlord=landlord(h),
        adults=h.adults,
        children=[ChildOut.model_validate(c) for c in h.children],
        signals=[SignalOut.model_validate(s) for s in case.signals],
        eviction_date=case.eviction_date,
        contact_attempts=[ContactAttemptOut.model_validate(a) for a in case.contact_attempts],
        contact_reached=case.contact_reached,
        repayment_plans=[RepaymentPlanOut.model_validate(p) for p in case.repayment_plans],
        closure=ClosureOut.model_validate(case.closure) if case.closure else None,
        housing_alternative=_alternative(case),
        child_alert_open=case.alert_open,
        emergency_apartment_request=case.emergency_request_id,
        is_test_data=case.is_test_data,
        history=history,
    )


def _alternative(case: EvictionCase) -> AlternativeOut | None:
    return AlternativeOut.model_validate(case.alternative) if case.alternative else None

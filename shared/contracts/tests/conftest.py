"""One example of every published event; a new contract needs one here before its tests pass."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from tak_contracts import PUBLISHED, IntegrationEvent
from tak_contracts.events.evictions import (
    AlternativeKind,
    ArrearsBracket,
    ChildEvictionAlertRaised,
    ChildEvictionAlertResolved,
    ContactChannel,
    EmergencyApartmentRequested,
    EnforcementDecision,
    EvictionContactAttempted,
    EvictionCounsellingReferred,
    EvictionEnforcementDecisionRecorded,
    EvictionExecuted,
    EvictionHouseholdMoved,
    EvictionPrevented,
    EvictionRepaymentPlanAgreed,
    EvictionThreatRegistered,
    MovedTo,
    PreventedHow,
    SignalKind,
)
from tak_contracts.events.intake import Gender, PersonRegistered, TargetGroup
from tak_contracts.events.placements import ApartmentAssigned, ApartmentKind

PSEUDONYM = "3f1c9a7e5b2d4f6081a3c5e7f9b1d3e5"
CASE = {
    "case_id": UUID("00000000-0000-4000-8000-000000000002"),
    "household_pseudonym": PSEUDONYM,
    "is_test_data": True,
}

EXAMPLES: dict[type[IntegrationEvent], IntegrationEvent] = {
    PersonRegistered: PersonRegistered(
        person_id=UUID("00000000-0000-4000-8000-000000000001"),
        person_pseudonym=PSEUDONYM,
        registered_on=date(2025, 3, 14),
        birth_year=1971,
        gender=Gender.FEMALE,
        target_groups=[TargetGroup.ACUTE_HOMELESS, TargetGroup.COMPLEX_CARE_NEEDS],
        situation=1,
        is_test_data=True,
    ),
    EvictionThreatRegistered: EvictionThreatRegistered(
        case_id=UUID("00000000-0000-4000-8000-000000000002"),
        household_pseudonym=PSEUDONYM,
        signal=SignalKind.RENT_ARREARS,
        registered_on=date(2025, 3, 15),
        arrears_bracket=ArrearsBracket.FROM_10K_TO_30K,
        adults=1,
        children_registered=2,
        children_not_registered=1,
        eviction_date_set=True,
        is_test_data=True,
    ),
    EvictionContactAttempted: EvictionContactAttempted(
        **CASE,
        attempted_on=date(2025, 3, 17),
        channel=ContactChannel.HOME_VISIT,
        reached=True,
        days_since_signal=2,
    ),
    EvictionCounsellingReferred: EvictionCounsellingReferred(**CASE, referred_on=date(2025, 3, 18)),
    EvictionRepaymentPlanAgreed: EvictionRepaymentPlanAgreed(
        **CASE,
        agreed_on=date(2025, 4, 1),
        amount_bracket=ArrearsBracket.FROM_10K_TO_30K,
        instalments=6,
    ),
    EvictionEnforcementDecisionRecorded: EvictionEnforcementDecisionRecorded(
        **CASE,
        decision=EnforcementDecision.APPLICATION_WITHDRAWN,
        decided_on=date(2025, 4, 2),
        eviction_date_set=False,
    ),
    EvictionPrevented: EvictionPrevented(
        **CASE, prevented_on=date(2025, 4, 3), how=PreventedHow.REPAYMENT_PLAN
    ),
    EvictionHouseholdMoved: EvictionHouseholdMoved(
        **CASE, moved_on=date(2025, 4, 3), moved_to=MovedTo.RELATIVES_OR_FRIENDS
    ),
    EvictionExecuted: EvictionExecuted(
        **CASE,
        executed_on=date(2025, 5, 5),
        adults=1,
        children_registered=1,
        children_not_registered=1,
        alternative_given=False,
    ),
    ChildEvictionAlertRaised: ChildEvictionAlertRaised(
        **CASE, raised_on=date(2025, 5, 5), children_registered=1, children_not_registered=1
    ),
    ChildEvictionAlertResolved: ChildEvictionAlertResolved(
        **CASE, resolved_on=date(2025, 5, 6), alternative_kind=AlternativeKind.EMERGENCY_APARTMENT
    ),
    EmergencyApartmentRequested: EmergencyApartmentRequested(
        **CASE,
        request_id=UUID("00000000-0000-4000-8000-000000000005"),
        requested_on=date(2025, 5, 5),
        adults=1,
        children=2,
        alternative_recorded=False,
    ),
    ApartmentAssigned: ApartmentAssigned(
        apartment_id=UUID("00000000-0000-4000-8000-000000000003"),
        placement_id=UUID("00000000-0000-4000-8000-000000000004"),
        person_pseudonym=PSEUDONYM,
        kind=ApartmentKind.EMERGENCY,
        assigned_on=date(2025, 3, 16),
        request_id=UUID("00000000-0000-4000-8000-000000000005"),
        is_test_data=True,
    ),
}


@pytest.fixture(params=PUBLISHED, ids=lambda cls: cls.ce_type())
def event(request: pytest.FixtureRequest) -> IntegrationEvent:
    """An example of each published event in turn."""
    cls: type[IntegrationEvent] = request.param
    if cls not in EXAMPLES:
        pytest.fail(f"add an example of {cls.__name__} to shared/contracts/tests/conftest.py")
    return EXAMPLES[cls]

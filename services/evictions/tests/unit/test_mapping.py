"""What evictions publishes: coded facts for every step others need, never personal data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tak_contracts import IntegrationEvent
from tak_contracts.events import evictions as contracts
from tak_evictions.domain import values
from tak_evictions.domain.eviction_case import EvictionCase
from tak_evictions.domain.values import ContactAttempt, HousingAlternative, RepaymentPlan
from tak_evictions.integration.mapping import arrears_bracket, to_integration

from .conftest import household, later, registered_case, signal

PERSONAL = (
    "Alva",
    "Testsson",
    "198112189876",
    "811218",
    "070-000",
    "Provgatan",
    "Demo Bostäder",
    "kontakt@demo",
    "Hyresvärden",
)


def published(case: EvictionCase) -> list[IntegrationEvent]:
    return [p.event for e in case.collect_events() for p in to_integration(e)]


def worked_case() -> EvictionCase:
    case = registered_case(children=2)
    case.attempt_contact(
        ContactAttempt("phone", later(1).date(), True), recorded_by="bo1", now=later(1)
    )
    case.refer_to_counselling(later(2).date(), recorded_by="bo1", now=later(2))
    case.agree_repayment_plan(
        RepaymentPlan(Decimal("18000"), 6, later(9).date()), recorded_by="bo1", now=later(9)
    )
    case.contact_landlord(later(3).date(), "Hyresvärden ringde.", recorded_by="bo1", now=later(3))
    case.write_note("Hyresvärden ringde om Alva Testsson.", recorded_by="bo1", now=later(4))
    case.record_execution(later(20).date(), 1, 1, None, recorded_by="bo1", now=later(20))
    case.record_housing_alternative(
        HousingAlternative("shelter_or_hostel", "Provgatan 9"), recorded_by="bo1", now=later(21)
    )
    return case


def test_every_step_others_need_is_published() -> None:
    names = [e.event_name for e in published(worked_case())]
    assert names == [
        "eviction_threat_registered",
        "eviction_contact_attempted",
        "eviction_counselling_referred",
        "eviction_repayment_plan_agreed",
        "eviction_executed",
        "child_eviction_without_alternative_raised",
        "emergency_apartment_requested",
        "child_eviction_without_alternative_resolved",
    ]


def test_nothing_published_carries_personal_data() -> None:
    for event in published(worked_case()):
        text = event.model_dump_json()
        assert not [p for p in PERSONAL if p in text], f"{event.event_name}: {text}"


def test_an_executed_eviction_counts_children_by_class() -> None:
    executed = next(e for e in published(worked_case()) if e.event_name == "eviction_executed")
    assert isinstance(executed, contracts.EvictionExecuted)
    assert (executed.children_registered, executed.children_not_registered) == (1, 1)
    assert not executed.alternative_given


@pytest.mark.parametrize(
    ("domain", "contract"),
    [
        (values.SignalKind, contracts.SignalKind),
        (values.ContactChannel, contracts.ContactChannel),
        (values.EnforcementDecision, contracts.EnforcementDecision),
        (values.PreventedHow, contracts.PreventedHow),
        (values.MovedTo, contracts.MovedTo),
        (values.AlternativeKind, contracts.AlternativeKind),
    ],
)
def test_every_domain_code_has_a_published_code(domain: type, contract: type) -> None:
    assert {m.value for m in domain} <= {m.value for m in contract}  # type: ignore[attr-defined]


def test_arrears_are_published_in_brackets() -> None:
    assert arrears_bracket(None) is contracts.ArrearsBracket.NONE
    assert arrears_bracket(Decimal("9999")) is contracts.ArrearsBracket.UNDER_10K
    assert arrears_bracket(Decimal("30000")) is contracts.ArrearsBracket.FROM_30K_TO_60K
    assert arrears_bracket(Decimal("60000")) is contracts.ArrearsBracket.OVER_60K


def test_a_reopened_case_publishes_the_household_as_it_is_now() -> None:
    case = registered_case(children=0)
    case.close_as_moved("second_hand", later(5).date(), recorded_by="bo1", now=later(5))
    case.add_signal(signal(), household(children=2), recorded_by="bo1", now=later(200))
    threat = published(case)[-1]
    assert isinstance(threat, contracts.EvictionThreatRegistered) and threat.reopened
    assert threat.children_registered == 2

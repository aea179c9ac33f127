"""The rules of an eviction case, given/when/then."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from tak_evictions.domain.errors import (
    CaseAlreadyClosed,
    CaseStillOpen,
    EvictionDateBeforeRegistration,
    MissingEvictionDate,
    NothingToResolve,
    NotYetHappened,
)
from tak_evictions.domain.eviction_case import EvictionCase
from tak_evictions.domain.values import ContactAttempt, HousingAlternative

from .conftest import MONDAY, household, later, registered_case, signal


def test_a_signal_opens_a_case_for_the_household() -> None:
    case = registered_case(children=2)
    assert case.status == "open" and case.registered_on == MONDAY.date()
    assert case.household.children_registered == 2 and case.coordinator == "bo1"


def test_an_eviction_date_before_the_registration_is_refused() -> None:
    with pytest.raises(EvictionDateBeforeRegistration):
        registered_case(eviction_date=MONDAY.date() - timedelta(days=1))


def test_a_further_signal_on_an_open_case_is_added_to_it() -> None:
    case = registered_case()
    reopened = case.add_signal(
        signal("enforcement_application", date(2026, 12, 1)),
        household(),
        recorded_by="bo2",
        now=later(5),
    )
    assert not reopened and len(case.signals) == 2 and case.eviction_date == date(2026, 12, 1)


def test_a_signal_on_a_closed_case_reopens_it() -> None:
    case = registered_case()
    case.close_as_prevented("debt_paid", later(10).date(), recorded_by="bo1", now=later(10))
    reopened = case.add_signal(signal(), household(children=1), recorded_by="bo1", now=later(100))
    assert reopened and case.status == "open" and case.closure is None
    assert isinstance(case.pending_events[-1], EvictionCase.Reopened)


def test_closing_a_closed_case_is_refused() -> None:
    case = registered_case()
    case.close_as_moved("relatives_or_friends", later(3).date(), recorded_by="bo1", now=later(3))
    with pytest.raises(CaseAlreadyClosed):
        case.close_as_prevented("debt_paid", later(4).date(), recorded_by="bo1", now=later(4))


def test_an_executed_eviction_with_children_and_no_alternative_is_recorded_and_raises_alert() -> (
    None
):
    case = registered_case(children=2)
    case.record_execution(later(20).date(), 1, 1, None, recorded_by="bo1", now=later(20))
    assert case.status == "closed" and case.closure is not None
    assert case.closure.outcome == "executed" and case.alert_open
    assert case.emergency_request_id is not None


def test_an_executed_eviction_with_an_alternative_raises_no_alert_but_still_requests() -> None:
    case = registered_case(children=1)
    case.record_execution(
        later(20).date(),
        1,
        0,
        HousingAlternative("relatives_or_friends"),
        recorded_by="bo1",
        now=later(20),
    )
    assert not case.alert_open and case.emergency_request_id is not None


def test_an_executed_eviction_without_children_raises_nothing_and_requests_nothing() -> None:
    case = registered_case()
    case.record_execution(later(20).date(), 0, 0, None, recorded_by="bo1", now=later(20))
    assert not case.alert_open and case.emergency_request_id is None


def test_an_execution_in_the_future_is_refused() -> None:
    case = registered_case()
    with pytest.raises(NotYetHappened):
        case.record_execution(later(30).date(), 0, 0, None, recorded_by="bo1", now=later(20))


def test_recording_a_housing_alternative_resolves_the_child_alert() -> None:
    case = registered_case(children=1)
    case.record_execution(later(20).date(), 1, 0, None, recorded_by="bo1", now=later(20))
    case.record_housing_alternative(
        HousingAlternative("shelter_or_hostel"), recorded_by="bo1", now=later(21)
    )
    assert not case.alert_open
    assert case.pending_events[-1].resolves_alert  # type: ignore[attr-defined]


def test_a_housing_alternative_needs_an_executed_eviction() -> None:
    with pytest.raises(CaseStillOpen):
        registered_case().record_housing_alternative(
            HousingAlternative("other"), recorded_by="bo1", now=later(1)
        )


def test_an_emergency_apartment_for_the_request_resolves_the_alert_once() -> None:
    case = registered_case(children=1)
    case.record_execution(later(20).date(), 1, 0, None, recorded_by="bo1", now=later(20))
    request = case.emergency_request_id
    assert request is not None
    assert case.record_emergency_apartment(request, later(21).date(), now=later(21))
    assert not case.alert_open
    assert not case.record_emergency_apartment(request, later(22).date(), now=later(22))


def test_an_assignment_for_another_request_is_refused() -> None:
    case = registered_case(children=1)
    case.record_execution(later(20).date(), 1, 0, None, recorded_by="bo1", now=later(20))
    with pytest.raises(NothingToResolve):
        case.record_emergency_apartment(uuid4(), later(21).date(), now=later(21))


def test_setting_an_eviction_date_needs_the_date() -> None:
    with pytest.raises(MissingEvictionDate):
        registered_case().record_enforcement_decision(
            "eviction_date_set", later(2).date(), None, recorded_by="bo1", now=later(2)
        )


def test_a_withdrawn_application_clears_the_eviction_date() -> None:
    case = registered_case(eviction_date=date(2026, 12, 1))
    case.record_enforcement_decision(
        "application_withdrawn", later(5).date(), None, recorded_by="bo1", now=later(5)
    )
    assert case.eviction_date is None


def test_a_step_dated_in_the_future_is_refused_it_has_not_happened() -> None:
    case = registered_case()
    with pytest.raises(NotYetHappened):
        case.attempt_contact(
            ContactAttempt("phone", later(5).date(), False), recorded_by="bo1", now=later(1)
        )
    with pytest.raises(NotYetHappened):
        case.close_as_prevented("debt_paid", later(5).date(), recorded_by="bo1", now=later(1))


def test_a_contact_attempt_records_the_days_since_the_signal() -> None:
    case = registered_case()
    case.attempt_contact(
        ContactAttempt("home_visit", later(2).date(), True), recorded_by="bo1", now=later(2)
    )
    assert case.contact_reached
    assert case.pending_events[-1].days_since_signal == 5  # type: ignore[attr-defined]


def test_every_step_carries_the_household_pseudonym_and_test_flag() -> None:
    case = registered_case()
    case.write_note("Hyresvärden ringde.", recorded_by="bo1", now=later(1))
    step = case.pending_events[-1]
    assert step.household_pseudonym == "p" * 64 and step.is_test_data  # type: ignore[attr-defined]


def test_a_reopened_case_keeps_its_child_alert_open_until_an_alternative_is_recorded() -> None:
    case = registered_case(children=1)
    case.record_execution(later(20).date(), 1, 0, None, recorded_by="bo1", now=later(20))
    case.add_signal(signal(), household(children=1), recorded_by="bo1", now=later(40))
    assert case.status == "open" and case.alert_open
    case.record_housing_alternative(
        HousingAlternative("emergency_apartment"), recorded_by="bo1", now=later(41)
    )
    assert not case.alert_open
    assert case.pending_events[-1].resolves_alert

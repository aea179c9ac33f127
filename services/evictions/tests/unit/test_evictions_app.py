"""The service layer on the in-memory store: one case per household, history, versions."""

from __future__ import annotations

import contextvars

import pytest

from tak_evictions.application import EvictionsApp, Registration
from tak_evictions.domain.eviction_case import EvictionCase
from tak_evictions.domain.values import ContactAttempt
from tak_platform.errors import Conflict, NotFound
from tak_platform.idempotency import run_idempotent
from tak_platform.identity import InvalidIdentityNumber

from .conftest import MONDAY, household, later, signal


@pytest.fixture
def app() -> EvictionsApp:
    return EvictionsApp.for_database(None, pseudonym_key="k" * 32)


def registration(number: str | None = None) -> Registration:
    h = household(children=1)
    if number:
        h = type(h)(
            type(h.tenant)(h.tenant.name, number, None),
            h.address,
            h.landlord_name,
            None,
            h.adults,
            h.children,
        )
    return Registration(h, signal(), "bo1", "bo1", True)


def test_a_second_signal_for_the_household_adds_to_its_open_case(app: EvictionsApp) -> None:
    first = app.register_threat(registration(), now=MONDAY)
    second = app.register_threat(registration("19811218-9876"), now=later(3))
    assert first.outcome == "opened" and second.outcome == "added_to_open_case"
    assert second.case.id == first.case.id and len(second.case.signals) == 2


def test_a_signal_for_a_closed_case_reopens_it_and_the_history_shows_it(app: EvictionsApp) -> None:
    case_id = app.register_threat(registration(), now=MONDAY).case.id
    app.step(
        case_id,
        lambda c: c.close_as_prevented(
            "debt_paid", later(9).date(), recorded_by="bo1", now=later(9)
        ),
    )
    again = app.register_threat(registration(), now=later(60))
    assert again.outcome == "reopened" and again.case.status == "open"
    kinds = [type(e).__name__ for e in app.history(case_id)]
    assert kinds == ["Registered", "Prevented", "Reopened"]


def test_the_personal_identity_number_is_stored_normalised(app: EvictionsApp) -> None:
    case = app.register_threat(registration("811218-9876"), now=MONDAY).case
    assert case.household.tenant.personal_identity_number == "198112189876"


def test_a_wrong_check_digit_is_refused_and_nothing_is_recorded(app: EvictionsApp) -> None:
    with pytest.raises(InvalidIdentityNumber):
        app.register_threat(registration("19811218-9875"), now=MONDAY)
    assert not app.recorder.max_notification_id()


def test_a_step_on_an_unknown_case_is_not_found(app: EvictionsApp) -> None:
    from uuid import uuid4

    with pytest.raises(NotFound):
        app.step(uuid4(), lambda c: c.write_note("x", recorded_by="bo1", now=MONDAY))


def test_a_step_on_a_stale_version_is_a_conflict_and_changes_nothing(app: EvictionsApp) -> None:
    case_id = app.register_threat(registration(), now=MONDAY).case.id
    app.step(case_id, lambda c: c.write_note("first", recorded_by="bo1", now=later(1)))
    with pytest.raises(Conflict):
        app.step(
            case_id,
            lambda c: c.write_note("stale", recorded_by="bo2", now=later(1)),
            expected_version=1,
        )
    assert app.get_case(case_id).notes == ["first"]


def test_a_step_without_if_match_that_meets_a_concurrent_write_is_decided_again(
    app: EvictionsApp,
) -> None:
    """Two coordinators record at the same moment: neither is refused, both steps are kept."""
    case_id = app.register_threat(registration(), now=MONDAY).case.id
    interleaved: list[int] = []

    def theirs() -> int:
        return app.step(
            case_id, lambda c: c.write_note("theirs", recorded_by="bo2", now=MONDAY)
        ).position

    def mine(case: EvictionCase) -> None:
        if not interleaved:  # another request's step lands between my read and my save
            interleaved.append(contextvars.Context().run(theirs))
        case.write_note("mine", recorded_by="bo1", now=MONDAY)

    receipt = run_idempotent(app.receipts, "key-1", "print", lambda: app.step(case_id, mine))
    assert app.get_case(case_id).notes == ["theirs", "mine"]
    assert receipt.position > interleaved[0], "the receipt is the retried save's"
    assert app.receipts.receipt("key-1", "print") == receipt


def test_the_case_as_it_stood_at_an_earlier_version(app: EvictionsApp) -> None:
    case_id = app.register_threat(registration(), now=MONDAY).case.id
    app.step(
        case_id,
        lambda c: c.attempt_contact(
            ContactAttempt("phone", later(1).date(), True), recorded_by="bo1", now=later(1)
        ),
    )
    assert app.get_case(case_id, version=1).contact_attempts == []
    assert app.get_case(case_id).contact_reached


def test_the_request_of_an_executed_eviction_leads_back_to_its_case(app: EvictionsApp) -> None:
    case_id = app.register_threat(registration(), now=MONDAY).case.id
    done = app.step(
        case_id,
        lambda c: c.record_execution(
            later(20).date(), 1, 0, None, recorded_by="bo1", now=later(20)
        ),
    )
    request = done.case.emergency_request_id
    assert request is not None and app.case_for_emergency_request(request) == case_id
    step = app.emergency_apartment_assigned(case_id, request, later(22).date(), now=later(22))
    assert step is not None and not step.case.alert_open
    assert (
        app.emergency_apartment_assigned(case_id, request, later(23).date(), now=later(23)) is None
    )
    assert isinstance(app.history(case_id)[-1], EvictionCase.EmergencyApartmentAssigned)

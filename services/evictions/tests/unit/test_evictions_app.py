"""The service layer on the in-memory store: one case per household, history, versions."""

from __future__ import annotations

import contextvars
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from tak_evictions.application import EvictionsApp
from tak_evictions.commands import (
    AttemptContact,
    CaseStep,
    CloseAsPrevented,
    RecordEmergencyApartment,
    RecordExecution,
    RegisterThreat,
    WriteNote,
)
from tak_evictions.domain.eviction_case import EvictionCase
from tak_evictions.domain.values import ContactAttempt
from tak_platform.errors import Conflict, NotFound
from tak_platform.idempotency import run_idempotent
from tak_platform.identity import InvalidIdentityNumber

from .conftest import MONDAY, household, later, signal


@pytest.fixture
def app() -> EvictionsApp:
    return EvictionsApp.for_database(None, pseudonym_key="k" * 32)


def threat(now: datetime = MONDAY, number: str | None = None) -> RegisterThreat:
    h = household(children=1)
    if number:
        h = replace(h, tenant=replace(h.tenant, personal_identity_number=number, phone=None))
    return RegisterThreat(h, signal(), "bo1", "bo1", now, True)


def by_bo1(case_id: UUID, now: datetime, expected_version: int | None = None) -> CaseStep:
    return CaseStep(case_id, "bo1", now, expected_version)


def notes(app: EvictionsApp, case_id: UUID) -> list[str]:
    """The notes in the case's history, oldest first."""
    history = app.history(app.get_case(case_id))
    return [e.text for e in history if isinstance(e, EvictionCase.NoteWritten)]


def test_a_second_signal_for_the_household_adds_to_its_open_case(app: EvictionsApp) -> None:
    first = app.register_threat(threat())
    second = app.register_threat(threat(later(3), "19811218-9876"))
    assert first.outcome == "opened" and second.outcome == "added_to_open_case"
    assert second.case.id == first.case.id and len(second.case.signals) == 2


def test_a_signal_for_a_closed_case_reopens_it_and_the_history_shows_it(app: EvictionsApp) -> None:
    case_id = app.register_threat(threat()).case.id
    app.close_case(CloseAsPrevented(by_bo1(case_id, later(9)), "debt_paid", later(9).date()))
    again = app.register_threat(threat(later(60)))
    assert again.outcome == "reopened" and again.case.status == "open"
    kinds = [type(e).__name__ for e in app.history(again.case)]
    assert kinds == ["Registered", "Prevented", "Reopened"]


def test_the_personal_identity_number_is_stored_normalised(app: EvictionsApp) -> None:
    case = app.register_threat(threat(number="811218-9876")).case
    assert case.household.tenant.personal_identity_number == "198112189876"


def test_a_wrong_check_digit_is_refused_naming_the_field_and_nothing_is_recorded(
    app: EvictionsApp,
) -> None:
    with pytest.raises(InvalidIdentityNumber) as refused:
        app.register_threat(threat(number="19811218-9875"))
    assert refused.value.field == "tenant.personal_identity_number"
    assert not app.recorder.max_notification_id()


def test_a_step_on_an_unknown_case_is_not_found(app: EvictionsApp) -> None:
    with pytest.raises(NotFound):
        app.write_note(WriteNote(by_bo1(uuid4(), MONDAY), "x"))


def test_a_step_on_a_stale_version_is_a_conflict_and_changes_nothing(app: EvictionsApp) -> None:
    case_id = app.register_threat(threat()).case.id
    app.write_note(WriteNote(by_bo1(case_id, later(1)), "first"))
    with pytest.raises(Conflict):
        app.write_note(WriteNote(by_bo1(case_id, later(1), expected_version=1), "stale"))
    assert notes(app, case_id) == ["first"]


class TwoCoordinators(EvictionsApp):
    """Another coordinator's note lands between this app's read of a case and its save, once."""

    theirs: WriteNote | None = None
    position_of_theirs = 0

    def get_case(self, case_id: UUID, **kwargs: Any) -> EvictionCase:
        case = super().get_case(case_id, **kwargs)
        if (theirs := self.theirs) is not None:
            self.theirs = None  # another request, with its own context: not my receipt
            step = contextvars.Context().run(self.write_note, theirs)
            self.position_of_theirs = step.position
        return case


def test_a_step_without_if_match_that_meets_a_concurrent_write_is_decided_again() -> None:
    """Two coordinators record at the same moment: neither is refused, both steps are kept."""
    app = TwoCoordinators.for_database(None, pseudonym_key="k" * 32)
    case_id = app.register_threat(threat()).case.id
    app.theirs = WriteNote(CaseStep(case_id, "bo2", MONDAY), "theirs")

    mine = WriteNote(by_bo1(case_id, MONDAY), "mine")
    receipt = run_idempotent(app.receipts, "key-1", "print", lambda: app.write_note(mine))
    assert notes(app, case_id) == ["theirs", "mine"]
    assert receipt.position > app.position_of_theirs > 0, "the receipt is the retried save's"
    assert app.receipts.receipt("key-1", "print") == receipt


def test_a_step_with_if_match_that_meets_a_concurrent_write_is_refused() -> None:
    app = TwoCoordinators.for_database(None, pseudonym_key="k" * 32)
    case_id = app.register_threat(threat()).case.id
    app.theirs = WriteNote(CaseStep(case_id, "bo2", MONDAY), "theirs")

    with pytest.raises(Conflict):
        app.write_note(WriteNote(by_bo1(case_id, MONDAY, expected_version=1), "mine"))
    assert notes(app, case_id) == ["theirs"]


def test_the_case_as_it_stood_at_an_earlier_version(app: EvictionsApp) -> None:
    case_id = app.register_threat(threat()).case.id
    attempt = ContactAttempt("phone", later(1).date(), True)
    app.attempt_contact(AttemptContact(by_bo1(case_id, later(1)), attempt))
    assert app.get_case(case_id, version=1).contact_attempts == []
    assert app.get_case(case_id).contact_reached


def test_an_emergency_apartment_for_the_cases_request_is_recorded_once(app: EvictionsApp) -> None:
    case_id = app.register_threat(threat()).case.id
    execution = RecordExecution(by_bo1(case_id, later(20)), later(20).date(), 1, 0, None)
    request = app.close_case(execution).case.emergency_request_id
    assert request is not None
    assigned = RecordEmergencyApartment(case_id, request, later(22).date(), later(22))
    step = app.record_emergency_apartment(assigned)
    assert step is not None and not step.case.alert_open
    assert app.record_emergency_apartment(replace(assigned, now=later(23))) is None
    history = app.history(app.get_case(case_id))
    assert isinstance(history[-1], EvictionCase.EmergencyApartmentAssigned)

"""``get_case`` rebuilds the case from its events read once and can hand those events back as
its history: the same case and history as reading twice, and the same 404/410/409."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from tak_evictions.application import EvictionsApp
from tak_evictions.commands import AttemptContact, CaseStep, RegisterThreat, WriteNote
from tak_evictions.domain.eviction_case import EvictionCase
from tak_evictions.domain.values import ContactAttempt
from tak_platform.errors import Conflict, Gone, NotFound

from .conftest import MONDAY, household, later, signal


@pytest.fixture
def app() -> EvictionsApp:
    return EvictionsApp.for_database(None, pseudonym_key="k" * 32)


def a_case_of_four_events(app: EvictionsApp) -> UUID:
    threat = RegisterThreat(household(children=1), signal(), "bo1", "bo1", MONDAY, True)
    case_id = app.register_threat(threat).case.id
    attempt = ContactAttempt("phone", later(1).date(), True)
    app.attempt_contact(AttemptContact(CaseStep(case_id, "bo1", later(1)), attempt))
    app.write_note(WriteNote(CaseStep(case_id, "bo1", later(2)), "Hembesök bokat."))
    app.write_note(WriteNote(CaseStep(case_id, "bo2", later(3)), "Hembesök gjort."))
    return case_id


@pytest.mark.parametrize("version", [None, 1, 3, 4])
def test_the_case_and_its_history_read_once_are_those_read_twice(
    app: EvictionsApp, version: int | None
) -> None:
    case_id = a_case_of_four_events(app)
    events: list[Any] = []

    case = app.get_case(case_id, version=version, history=events)

    loaded = app.load(case_id, EvictionCase, version=version)
    assert case == loaded and case.version == (version or 4)
    assert [(type(e), vars(e)) for e in events] == [(type(e), vars(e)) for e in app.history(loaded)]


def test_what_cannot_be_read_is_answered_as_load_answers_it(app: EvictionsApp) -> None:
    case_id = a_case_of_four_events(app)
    events: list[Any] = []

    with pytest.raises(NotFound):
        app.get_case(uuid4(), history=events)
    with pytest.raises(NotFound, match="no version 5"):
        app.get_case(case_id, version=5, history=events)
    with pytest.raises(Conflict):
        app.get_case(case_id, expected_version=3, history=events)
    app.weed(case_id, [case_id], "test")
    with pytest.raises(Gone):
        app.get_case(case_id, history=events)
    assert events == []

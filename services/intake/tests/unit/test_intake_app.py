"""IntakeApp on the in-memory store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from tak_intake.application import IntakeApp
from tak_intake.commands import RegisterPerson
from tak_intake.domain.errors import UnknownSituation
from tak_intake.domain.person import Person
from tak_intake.domain.values import Gender, TargetGroup
from tak_platform.errors import NotFound
from tak_platform.identity import InvalidIdentityNumber, pseudonym

KEY = "k" * 32
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
TOLVAN = RegisterPerson(
    person_id=uuid4(),
    name="Tolvan Tolvansson",
    personal_identity_number="19121212-1212",
    gender=Gender.FEMALE,
    target_groups=(TargetGroup.ACUTE_HOMELESS, TargetGroup.COMPLEX_CARE_NEEDS),
    situation=1,
    recorded_by="handläggare.anna",
    now=NOW,
    is_test_data=True,
)


@pytest.fixture
def app() -> IntakeApp:
    app: IntakeApp = IntakeApp.for_database(None, pseudonym_key=KEY)
    return app


def test_a_registered_person_reads_back_under_the_commands_id_with_the_number_normalised(
    app: IntakeApp,
) -> None:
    registration = app.register_person(TOLVAN)

    person = app.get_person(TOLVAN.person_id)
    assert registration.position == 1
    assert person.registered_by == "handläggare.anna"
    assert person.personal_identity_number == "191212121212"
    assert person.birth_year == 1912
    assert person.target_groups == ["acute_homeless", "complex_care_needs"]


def test_the_pseudonym_is_the_keyed_hash_of_the_normalised_number(app: IntakeApp) -> None:
    app.register_person(TOLVAN)

    assert app.get_person(TOLVAN.person_id).person_pseudonym == pseudonym("191212121212", KEY)


def test_a_wrong_check_digit_registers_nobody(app: IntakeApp) -> None:
    with pytest.raises(InvalidIdentityNumber, match="check digit"):
        app.register_person(replace(TOLVAN, personal_identity_number="19121212-1213"))

    assert app.recorder.max_notification_id() in (None, 0)


def test_the_personal_data_is_sealed_at_rest(app: IntakeApp) -> None:
    app.register_person(TOLVAN)

    (stored,) = app.recorder.select_events(TOLVAN.person_id)
    assert b"Tolvan" not in stored.state
    assert b"191212121212" not in stored.state
    unsealed = app.mapper.to_domain_event(stored)
    assert isinstance(unsealed, Person.Registered)
    assert unsealed.name == "Tolvan Tolvansson"


def test_an_unknown_person_is_not_found(app: IntakeApp) -> None:
    app.register_person(TOLVAN)

    with pytest.raises(NotFound):
        app.get_person(uuid4())


def test_a_situation_outside_socialstyrelsens_four_registers_nobody(app: IntakeApp) -> None:
    with pytest.raises(UnknownSituation) as refused:
        app.register_person(replace(TOLVAN, situation=5))

    assert refused.value.field == "situation"
    assert app.recorder.max_notification_id() in (None, 0)

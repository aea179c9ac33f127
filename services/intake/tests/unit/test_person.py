"""The Person aggregate on its own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from tak_intake.domain.errors import UnknownSituation
from tak_intake.domain.person import Person
from tak_intake.domain.values import Gender, TargetGroup

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def register(**overrides: Any) -> Person:
    fields: dict[str, Any] = dict(
        person_id=uuid4(),
        district="norrmalm",
        name="Tolvan Tolvansson",
        personal_identity_number="191212121212",
        person_pseudonym="p" * 64,
        gender=Gender.FEMALE,
        target_groups=[TargetGroup.ACUTE_HOMELESS],
        situation=1,
        registered_by="handläggare.anna",
        now=NOW,
    )
    return Person.register(**(fields | overrides))


def test_registering_a_person_takes_the_birth_year_from_the_number() -> None:
    person = register(personal_identity_number="198507099805")

    assert person.birth_year == 1985


def test_a_person_in_several_target_groups_is_counted_once_in_each() -> None:
    young, acute = TargetGroup.YOUNG_ADULTS, TargetGroup.ACUTE_HOMELESS
    person = register(target_groups=[young, acute, young])

    assert person.target_groups == ["young_adults", "acute_homeless"]


def test_a_situation_outside_socialstyrelsens_four_is_refused() -> None:
    with pytest.raises(UnknownSituation):
        register(situation=5)


def test_a_person_whose_situation_is_not_assessed_yet_may_be_registered() -> None:
    person = register(situation=None)

    assert person.situation is None


def test_the_registration_is_dated_by_the_time_given_under_the_id_given() -> None:
    person_id = uuid4()

    person = register(person_id=person_id)

    assert (person.id, person.created_on) == (person_id, NOW)
    assert [type(e) for e in person.collect_events()] == [Person.Registered]


def test_a_registered_person_is_rebuilt_from_its_event() -> None:
    person = register(is_test_data=True)
    (registered,) = person.collect_events()

    rebuilt = registered.mutate(None)

    assert isinstance(rebuilt, Person)
    assert (rebuilt.name, rebuilt.birth_year, rebuilt.is_test_data) == (
        "Tolvan Tolvansson",
        1912,
        True,
    )

"""What intake publishes: pseudonymous, coded facts, never personal data."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from uuid import uuid4

import pytest

from tak_contracts.events import intake as contract
from tak_contracts.events.intake import PersonRegistered
from tak_intake.domain import values
from tak_intake.domain.person import Person
from tak_intake.integration.mapping import to_integration
from tak_platform.weeding import SubjectWeeded

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def registered() -> Person.Registered:
    person = Person.register(
        person_id=uuid4(),
        district="norrmalm",
        name="Tolvan Tolvansson",
        personal_identity_number="191212121212",
        person_pseudonym="p" * 64,
        gender=values.Gender.MALE,
        target_groups=[values.TargetGroup.ELDERLY, values.TargetGroup.LONG_TERM_HOMELESS],
        situation=3,
        registered_by="handläggare.anna",
        now=NOW,
        is_test_data=True,
    )
    (event,) = person.collect_events()
    assert isinstance(event, Person.Registered)
    return event


def test_a_registration_publishes_person_registered_with_coded_facts() -> None:
    event = registered()

    (publication,) = to_integration(event)

    assert publication.event == PersonRegistered(
        person_id=event.originator_id,
        person_pseudonym="p" * 64,
        registered_on=NOW.date(),
        birth_year=1912,
        gender=contract.Gender.MALE,
        target_groups=[contract.TargetGroup.ELDERLY, contract.TargetGroup.LONG_TERM_HOMELESS],
        situation=3,
        is_test_data=True,
    )
    assert publication.subject_id == str(event.originator_id)


def test_the_published_event_carries_no_name_and_no_number() -> None:
    (publication,) = to_integration(registered())

    published = publication.event.model_dump_json()
    assert "Tolvan" not in published
    assert "191212121212" not in published
    assert "121212" not in published


def test_a_weeding_marker_publishes_nothing() -> None:
    marker = SubjectWeeded(
        originator_id=uuid4(),
        originator_version=2,
        timestamp=NOW,
        subject_id=uuid4(),
        reason="five years since the last note",
    )

    assert to_integration(marker) == ()


@pytest.mark.parametrize(
    ("domain", "published"),
    [(values.Gender, contract.Gender), (values.TargetGroup, contract.TargetGroup)],
)
def test_every_code_of_the_domain_has_its_code_in_the_contract(
    domain: type[StrEnum], published: type[StrEnum]
) -> None:
    assert {code.value for code in domain} <= {code.value for code in published}

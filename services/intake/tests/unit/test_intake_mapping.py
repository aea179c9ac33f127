"""What intake publishes: pseudonymous, coded facts, never personal data."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from tak_contracts.events.intake import Gender, PersonRegistered, TargetGroup
from tak_intake.domain.person import Person
from tak_intake.integration.mapping import to_integration
from tak_platform.weeding import SubjectWeeded

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def registered() -> Person.Registered:
    person = Person.register(
        district="norrmalm",
        name="Tolvan Tolvansson",
        personal_identity_number="191212121212",
        person_pseudonym="p" * 64,
        gender="male",
        target_groups=["elderly", "long_term_homeless"],
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
        gender=Gender.MALE,
        target_groups=[TargetGroup.ELDERLY, TargetGroup.LONG_TERM_HOMELESS],
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

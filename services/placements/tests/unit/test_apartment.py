"""The Apartment aggregate on its own."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from tak_placements.domain.apartment import Apartment, person_subject_id
from tak_placements.domain.errors import ApartmentOccupied
from tak_placements.domain.values import ApartmentKind
from tak_platform.mapper import subject_of

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
PSEUDONYM = "p" * 64


def add(**overrides: Any) -> Apartment:
    fields: dict[str, Any] = dict(
        apartment_id=uuid4(),
        district="norrmalm",
        kind=ApartmentKind.TRAINING,
        address="Gatan 1, 1 tr",
        added_by="bosamordnare.bo",
        now=NOW,
    )
    return Apartment.add(**(fields | overrides))


def assign(apartment: Apartment, pseudonym: str = PSEUDONYM, **overrides: Any) -> UUID:
    """Assign the apartment; the placement's id."""
    fields: dict[str, Any] = dict(
        placement_id=uuid4(),
        personal_identity_number="191212121212",
        person_pseudonym=pseudonym,
        assigned_on=date(2025, 3, 17),
        request_id=None,
        assigned_by="bosamordnare.bo",
        now=NOW,
    )
    given = fields | overrides
    apartment.assign(**given)
    placement_id: UUID = given["placement_id"]
    return placement_id


def test_an_added_apartment_is_vacant_under_the_id_given() -> None:
    apartment_id = uuid4()

    apartment = add(apartment_id=apartment_id)

    assert apartment.id == apartment_id
    assert not apartment.is_occupied
    assert apartment.placement is None


def test_assigning_a_vacant_apartment_starts_a_placement() -> None:
    apartment = add()
    request_id = uuid4()

    placement_id = assign(apartment, request_id=request_id)

    assert apartment.is_occupied
    assert apartment.placement is not None
    assert apartment.placement.placement_id == placement_id
    assert (apartment.placement.assigned_on, apartment.placement.request_id) == (
        date(2025, 3, 17),
        request_id,
    )


def test_assigning_an_occupied_apartment_is_refused() -> None:
    apartment = add()
    assign(apartment)

    with pytest.raises(ApartmentOccupied):
        assign(apartment, pseudonym="q" * 64)

    assert apartment.version == 2


def test_the_residents_number_is_kept_under_the_persons_own_subject() -> None:
    apartment = add()
    assign(apartment)

    added, assigned = apartment.collect_events()

    assert subject_of(added) == apartment.id
    assert subject_of(assigned) == person_subject_id(PSEUDONYM) != apartment.id


def test_a_person_is_the_same_subject_in_every_apartment() -> None:
    first, second = add(), add(kind=ApartmentKind.TRIAL)
    assign(first)
    assign(second)

    subjects = {subject_of(a.collect_events()[-1]) for a in (first, second)}

    assert subjects == {person_subject_id(PSEUDONYM)}
    assert person_subject_id("q" * 64) not in subjects


def test_a_placement_in_a_test_apartment_is_test_data() -> None:
    apartment = add(is_test_data=True)
    assign(apartment, is_test_data=False)

    assigned = apartment.collect_events()[-1]

    assert isinstance(assigned, Apartment.Assigned)
    assert assigned.is_test_data
    assert assigned.kind == "training"


def test_an_assigned_apartment_is_rebuilt_from_its_events() -> None:
    apartment = add()
    placement_id = assign(apartment)

    rebuilt = None
    for event in apartment.collect_events():
        rebuilt = event.mutate(rebuilt)

    assert isinstance(rebuilt, Apartment)
    assert rebuilt.placement is not None
    assert rebuilt.placement.placement_id == placement_id
    assert rebuilt.modified_on == NOW

"""PlacementsApp on the in-memory store."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from tak_placements.application import PlacementsApp
from tak_placements.commands import AddApartment, AssignApartment
from tak_placements.domain.apartment import Apartment, person_subject_id
from tak_placements.domain.errors import ApartmentOccupied
from tak_placements.domain.values import ApartmentKind
from tak_platform.errors import Gone, NotFound
from tak_platform.identity import InvalidIdentityNumber, pseudonym
from tak_platform.weeding import Redacted

KEY = "k" * 32
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
TRAINING = AddApartment(
    apartment_id=uuid4(),
    kind=ApartmentKind.TRAINING,
    address="Gatan 1, 1 tr",
    recorded_by="bosamordnare.bo",
    now=NOW,
    is_test_data=False,
)


def tolvan_into(apartment_id: UUID, number: str = "19121212-1212") -> AssignApartment:
    return AssignApartment(
        apartment_id=apartment_id,
        placement_id=uuid4(),
        personal_identity_number=number,
        assigned_on=date(2025, 3, 17),
        request_id=None,
        recorded_by="bosamordnare.bo",
        now=NOW,
        is_test_data=True,
    )


@pytest.fixture
def app() -> PlacementsApp:
    app: PlacementsApp = PlacementsApp.for_database(None, pseudonym_key=KEY)
    return app


@pytest.fixture
def apartment_id(app: PlacementsApp) -> UUID:
    return app.add_apartment(TRAINING).apartment.id


def test_an_added_apartment_reads_back_vacant_under_the_commands_id(
    app: PlacementsApp, apartment_id: UUID
) -> None:
    apartment = app.get_apartment(apartment_id)

    assert apartment_id == TRAINING.apartment_id
    assert (apartment.kind, apartment.address) == ("training", "Gatan 1, 1 tr")
    assert apartment.added_by == "bosamordnare.bo"
    assert not apartment.is_occupied


def test_an_assignment_is_stored_with_the_residents_pseudonym(
    app: PlacementsApp, apartment_id: UUID
) -> None:
    command = tolvan_into(apartment_id)

    position = app.assign_apartment(command).position

    placement = app.get_apartment(apartment_id).placement
    assert position == 2
    assert placement is not None
    assert placement.placement_id == command.placement_id
    assert placement.personal_identity_number == "191212121212"
    assert placement.person_pseudonym == pseudonym("191212121212", KEY)


def test_assigning_an_occupied_apartment_is_refused_and_stores_nothing(
    app: PlacementsApp, apartment_id: UUID
) -> None:
    app.assign_apartment(tolvan_into(apartment_id))
    other = tolvan_into(apartment_id, "19850709-9805")

    with pytest.raises(ApartmentOccupied):
        app.assign_apartment(other)

    assert app.get_apartment(apartment_id).version == 2
    assert app.recorder.max_notification_id() == 2


def test_a_wrong_check_digit_refuses_the_assignment(app: PlacementsApp, apartment_id: UUID) -> None:
    wrong = tolvan_into(apartment_id, "19121212-1213")

    with pytest.raises(InvalidIdentityNumber):
        app.assign_apartment(wrong)

    assert not app.get_apartment(apartment_id).is_occupied


def test_assigning_an_unknown_apartment_is_not_found(app: PlacementsApp) -> None:
    with pytest.raises(NotFound):
        app.assign_apartment(tolvan_into(uuid4()))


def test_destroying_the_residents_key_destroys_their_number_but_not_the_apartments_data(
    app: PlacementsApp, apartment_id: UUID
) -> None:
    app.assign_apartment(tolvan_into(apartment_id))

    app.keystore.destroy(person_subject_id(pseudonym("191212121212", KEY)))

    added, assigned = (
        app.mapper.to_domain_event(s) for s in app.recorder.select_events(apartment_id)
    )
    assert isinstance(added, Apartment.Added)
    assert added.address == "Gatan 1, 1 tr"
    assert isinstance(assigned, Redacted)


def test_assigning_an_apartment_to_a_weeded_person_is_refused_as_gone(
    app: PlacementsApp, apartment_id: UUID
) -> None:
    app.keystore.destroy(person_subject_id(pseudonym("191212121212", KEY)))

    with pytest.raises(Gone):
        app.assign_apartment(tolvan_into(apartment_id))

    assert not app.get_apartment(apartment_id).is_occupied

"""PlacementsApp on the in-memory store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from tak_contracts.events.placements import ApartmentKind
from tak_placements.application import AddApartment, AssignApartment, PlacementsApp
from tak_placements.domain.apartment import Apartment, ApartmentOccupied, person_subject_id
from tak_platform.errors import NotFound
from tak_platform.identity import InvalidIdentityNumber, pseudonym
from tak_platform.weeding import Redacted

KEY = "k" * 32
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
TRAINING = AddApartment(
    kind=ApartmentKind.TRAINING,
    address="Gatan 1, 1 tr",
    added_by="bosamordnare.bo",
    is_test_data=False,
)
TOLVAN = AssignApartment(
    personal_identity_number="19121212-1212",
    assigned_on=date(2025, 3, 17),
    request_id=None,
    assigned_by="bosamordnare.bo",
    is_test_data=True,
)


@pytest.fixture
def app() -> PlacementsApp:
    app: PlacementsApp = PlacementsApp.for_database(None, pseudonym_key=KEY)
    return app


@pytest.fixture
def apartment_id(app: PlacementsApp) -> UUID:
    apartment_id, _ = app.add_apartment(TRAINING, now=NOW)
    return apartment_id


def test_an_added_apartment_reads_back_vacant(app: PlacementsApp, apartment_id: UUID) -> None:
    apartment = app.get_apartment(apartment_id)

    assert (apartment.kind, apartment.address) == ("training", "Gatan 1, 1 tr")
    assert not apartment.is_occupied


def test_an_assignment_is_stored_with_the_residents_pseudonym(
    app: PlacementsApp, apartment_id: UUID
) -> None:
    placement_id, position = app.assign_apartment(apartment_id, TOLVAN, now=NOW)

    placement = app.get_apartment(apartment_id).placement
    assert position == 2
    assert placement is not None
    assert placement.placement_id == placement_id
    assert placement.personal_identity_number == "191212121212"
    assert placement.person_pseudonym == pseudonym("191212121212", KEY)


def test_assigning_an_occupied_apartment_is_refused_and_stores_nothing(
    app: PlacementsApp, apartment_id: UUID
) -> None:
    app.assign_apartment(apartment_id, TOLVAN, now=NOW)
    other = replace(TOLVAN, personal_identity_number="19850709-9805")

    with pytest.raises(ApartmentOccupied):
        app.assign_apartment(apartment_id, other, now=NOW)

    assert app.get_apartment(apartment_id).version == 2
    assert app.recorder.max_notification_id() == 2


def test_a_wrong_check_digit_refuses_the_assignment(app: PlacementsApp, apartment_id: UUID) -> None:
    wrong = replace(TOLVAN, personal_identity_number="19121212-1213")

    with pytest.raises(InvalidIdentityNumber):
        app.assign_apartment(apartment_id, wrong, now=NOW)

    assert not app.get_apartment(apartment_id).is_occupied


def test_assigning_an_unknown_apartment_is_not_found(app: PlacementsApp) -> None:
    with pytest.raises(NotFound):
        app.assign_apartment(uuid4(), TOLVAN, now=NOW)


def test_destroying_the_residents_key_destroys_their_number_but_not_the_apartments_data(
    app: PlacementsApp, apartment_id: UUID
) -> None:
    app.assign_apartment(apartment_id, TOLVAN, now=NOW)

    app.keystore.destroy(person_subject_id(pseudonym("191212121212", KEY)))

    added, assigned = (
        app.mapper.to_domain_event(s) for s in app.recorder.select_events(apartment_id)
    )
    assert isinstance(added, Apartment.Added)
    assert added.address == "Gatan 1, 1 tr"
    assert isinstance(assigned, Redacted)

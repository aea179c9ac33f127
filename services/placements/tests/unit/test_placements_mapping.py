"""What placements publishes: pseudonymous, coded facts, never personal data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from tak_contracts.events import placements as contract
from tak_contracts.events.placements import ApartmentAssigned
from tak_placements.domain.apartment import Apartment
from tak_placements.domain.values import ApartmentKind
from tak_placements.integration.mapping import to_integration

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
REQUEST_ID = uuid4()


def events() -> tuple[Apartment, list[object]]:
    apartment = Apartment.add(
        apartment_id=uuid4(),
        district="norrmalm",
        kind=ApartmentKind.EMERGENCY,
        address="Gatan 1, 1 tr",
        added_by="bosamordnare.bo",
        now=NOW,
    )
    apartment.assign(
        placement_id=uuid4(),
        personal_identity_number="191212121212",
        person_pseudonym="p" * 64,
        assigned_on=date(2025, 3, 17),
        request_id=REQUEST_ID,
        assigned_by="bosamordnare.bo",
        now=NOW,
    )
    return apartment, list(apartment.collect_events())


def test_adding_an_apartment_publishes_nothing() -> None:
    _, (added, _) = events()

    assert to_integration(added) == ()


def test_an_assignment_publishes_apartment_assigned_with_coded_facts() -> None:
    apartment, (_, assigned) = events()
    assert apartment.placement is not None

    (publication,) = to_integration(assigned)

    assert publication.event == ApartmentAssigned(
        apartment_id=apartment.id,
        placement_id=apartment.placement.placement_id,
        person_pseudonym="p" * 64,
        kind=contract.ApartmentKind.EMERGENCY,
        assigned_on=date(2025, 3, 17),
        request_id=REQUEST_ID,
    )
    assert publication.subject_id == str(apartment.id)


def test_the_published_assignment_carries_no_number_and_no_address() -> None:
    _, (_, assigned) = events()

    (publication,) = to_integration(assigned)

    published = publication.event.model_dump_json()
    assert "121212" not in published
    assert "Gatan" not in published


def test_every_kind_of_apartment_in_the_domain_has_its_code_in_the_contract() -> None:
    assert {kind.value for kind in ApartmentKind} <= {k.value for k in contract.ApartmentKind}

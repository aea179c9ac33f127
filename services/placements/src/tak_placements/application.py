"""``PlacementsApp``: the placements service layer, one method per use case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from tak_contracts.events.placements import ApartmentKind
from tak_placements.domain.apartment import Apartment
from tak_platform.application import TakApplication
from tak_platform.identity import normalise


@dataclass(frozen=True)
class AddApartment:
    """The command: the district takes an apartment into its stock."""

    kind: ApartmentKind
    address: str
    added_by: str
    now: datetime
    is_test_data: bool


@dataclass(frozen=True)
class AssignApartment:
    """The command: assign a vacant apartment to a person from a day."""

    apartment_id: UUID
    personal_identity_number: str
    assigned_on: date
    request_id: UUID | None
    assigned_by: str
    now: datetime
    is_test_data: bool


class PlacementsApp(TakApplication):
    name = "Placements"

    def add_apartment(self, command: AddApartment) -> tuple[UUID, int]:
        """Add the apartment; returns its id and the log position."""
        apartment = Apartment.add(
            district=self.district,
            kind=command.kind.value,
            address=command.address,
            added_by=command.added_by,
            now=command.now,
            is_test_data=command.is_test_data,
        )
        facts = {"apartment_id": str(apartment.id)}
        return apartment.id, self.save_or_conflict(apartment, facts=facts)

    def assign_apartment(self, command: AssignApartment) -> tuple[UUID, int]:
        """Assign the apartment; returns the placement's id and the log position."""
        number = normalise(command.personal_identity_number, today=command.now.date())
        apartment = self.get_apartment(command.apartment_id)
        placement_id = apartment.assign(
            personal_identity_number=number,
            person_pseudonym=self.pseudonym(number),
            assigned_on=command.assigned_on,
            request_id=command.request_id,
            assigned_by=command.assigned_by,
            now=command.now,
            is_test_data=command.is_test_data,
        )
        facts = {"placement_id": str(placement_id)}
        return placement_id, self.save_or_conflict(apartment, facts=facts)

    def get_apartment(self, apartment_id: UUID, *, version: int | None = None) -> Apartment:
        return self.load(apartment_id, Apartment, version=version)

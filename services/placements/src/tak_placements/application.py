"""``PlacementsApp``: the placements service layer, one method per use case.

Each use case takes its command (``tak_placements.commands``), gets the apartment (404/410 if
unknown or weeded), lets it decide, and saves; it answers with the apartment and the position
of its last event in the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from tak_placements.commands import AddApartment, AssignApartment
from tak_placements.domain.apartment import Apartment
from tak_platform.application import TakApplication
from tak_platform.identity import normalise


@dataclass(frozen=True)
class Recorded:
    """The apartment after a command and the position of its event."""

    apartment: Apartment
    position: int


class PlacementsApp(TakApplication):
    name = "Placements"

    def add_apartment(self, command: AddApartment) -> Recorded:
        apartment = Apartment.add(
            apartment_id=command.apartment_id,
            district=self.district,
            kind=command.kind,
            address=command.address,
            added_by=command.recorded_by,
            now=command.now,
            is_test_data=command.is_test_data,
        )
        facts = {"apartment_id": str(apartment.id)}
        return Recorded(apartment, self.save_or_conflict(apartment, facts=facts))

    def assign_apartment(self, command: AssignApartment) -> Recorded:
        """The resident by their normalised number and its pseudonym; 409 if occupied."""
        number = normalise(command.personal_identity_number, today=command.now.date())
        apartment = self.get_apartment(command.apartment_id)
        apartment.assign(
            placement_id=command.placement_id,
            personal_identity_number=number,
            person_pseudonym=self.pseudonym(number),
            assigned_on=command.assigned_on,
            request_id=command.request_id,
            assigned_by=command.recorded_by,
            now=command.now,
            is_test_data=command.is_test_data,
        )
        facts = {"placement_id": str(command.placement_id)}
        return Recorded(apartment, self.save_or_conflict(apartment, facts=facts))

    def get_apartment(self, apartment_id: UUID, *, version: int | None = None) -> Apartment:
        return self.load(apartment_id, Apartment, version=version)

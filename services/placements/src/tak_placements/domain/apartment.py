"""``Apartment``: one of the district's apartments in the housing chain (*vård- och boendekedjan*).

The housing coordinator (*bosamordnare*) administers the district's apartments and assigns a
vacant one to a person (docs/domain.md, the housing chain). The apartment's own data (its address)
is sealed under the apartment's key; the resident's personal identity number only ever sits in
an event sealed under the person's own key, so weeding the person destroys it wherever it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from tak_placements.domain.errors import ApartmentOccupied
from tak_placements.domain.values import ApartmentKind

PERSON_SUBJECTS = UUID("0b6d3c52-6f4e-4f0e-9a43-2d5c1e7b8a90")
"""Namespace of the persons' data-subject ids in placements."""


def person_subject_id(person_pseudonym: str) -> UUID:
    """The person's data subject: the same UUID for every event that carries their data."""
    return uuid5(PERSON_SUBJECTS, person_pseudonym)


@dataclass(frozen=True)
class Placement:
    """One stay of one person in the apartment, as it stands (state, not an event)."""

    placement_id: UUID
    personal_identity_number: str
    person_pseudonym: str
    assigned_on: date
    request_id: UUID | None


class Apartment(Aggregate):
    TOPIC: ClassVar[str] = "tak.placements:Apartment"

    # eventsourcing defines a ``Created`` event on every aggregate class, used or not; an
    # apartment is created by ``Added`` (``add``). Declared only so that its topic is pinned too.
    class Created(Aggregate.Created):
        TOPIC: ClassVar[str] = "tak.placements:Apartment.Created"

    class Added(Aggregate.Created):
        """The district took the apartment into its stock."""

        TOPIC: ClassVar[str] = "tak.placements:Apartment.Added"
        district: str
        kind: str
        address: str
        added_by: str
        is_test_data: bool

    class Assigned(Aggregate.Event):
        """The apartment (of its kind then) was assigned to a person; sealed under their key."""

        TOPIC: ClassVar[str] = "tak.placements:Apartment.Assigned"
        placement_id: UUID
        kind: str
        data_subject_id: UUID
        personal_identity_number: str
        person_pseudonym: str
        assigned_on: date
        request_id: UUID | None
        assigned_by: str
        is_test_data: bool

    def __init__(
        self, district: str, kind: str, address: str, added_by: str, is_test_data: bool
    ) -> None:
        self.district = district
        self.kind = kind
        self.address = address
        self.added_by = added_by
        self.is_test_data = is_test_data
        self.placement: Placement | None = None

    @classmethod
    def add(
        cls,
        *,
        apartment_id: UUID,
        district: str,
        kind: ApartmentKind,
        address: str,
        added_by: str,
        now: datetime,
        is_test_data: bool = False,
    ) -> Apartment:
        """Take an apartment of a kind in the housing chain into the district's stock, under
        the id given."""
        return cls._create(
            cls.Added,
            id=apartment_id,
            timestamp=now,
            district=district,
            kind=kind.value,
            address=address,
            added_by=added_by,
            is_test_data=is_test_data,
        )

    def assign(
        self,
        *,
        placement_id: UUID,
        personal_identity_number: str,
        person_pseudonym: str,
        assigned_on: date,
        request_id: UUID | None,
        assigned_by: str,
        now: datetime,
        is_test_data: bool = False,
    ) -> None:
        """Assign the vacant apartment to a person from a day, as the placement with the id
        given.

        An occupied apartment cannot be assigned again. The placement is test data when the
        person or the apartment is.
        """
        if self.placement is not None:
            raise ApartmentOccupied(self.id)
        self._assigned(
            placement_id=placement_id,
            kind=self.kind,
            data_subject_id=person_subject_id(person_pseudonym),
            personal_identity_number=personal_identity_number,
            person_pseudonym=person_pseudonym,
            assigned_on=assigned_on,
            request_id=request_id,
            assigned_by=assigned_by,
            is_test_data=is_test_data or self.is_test_data,
            timestamp=now,
        )

    @event(Assigned)
    def _assigned(
        self,
        placement_id: UUID,
        kind: str,
        data_subject_id: UUID,
        personal_identity_number: str,
        person_pseudonym: str,
        assigned_on: date,
        request_id: UUID | None,
        assigned_by: str,
        is_test_data: bool,
        timestamp: datetime,
    ) -> None:
        self.placement = Placement(
            placement_id, personal_identity_number, person_pseudonym, assigned_on, request_id
        )

    @property
    def is_occupied(self) -> bool:
        return self.placement is not None

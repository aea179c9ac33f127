"""What a housing coordinator asks of the placements service: one frozen command per use case
of ``PlacementsApp``, each saying who records it and when. A new record's id (an apartment, a
placement) comes with its command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from tak_placements.domain.values import ApartmentKind


@dataclass(frozen=True)
class AddApartment:
    """The district takes an apartment into its stock."""

    apartment_id: UUID
    kind: ApartmentKind
    address: str
    recorded_by: str
    now: datetime
    is_test_data: bool


@dataclass(frozen=True)
class AssignApartment:
    """A vacant apartment goes to a person from a day, perhaps answering an emergency request."""

    apartment_id: UUID
    placement_id: UUID
    personal_identity_number: str
    assigned_on: date
    request_id: UUID | None
    recorded_by: str
    now: datetime
    is_test_data: bool

"""Domain event → integration event: pseudonymous and coded, never personal data. The
domain's codes become the contract's here, and only here."""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatch
from typing import Any

from tak_contracts.events.placements import ApartmentAssigned, ApartmentKind
from tak_placements.domain.apartment import Apartment
from tak_platform.relay import Publication


@singledispatch
def to_integration(event: Any) -> Sequence[Publication]:
    """Events nobody else needs (an apartment added, tombstones) publish nothing."""
    return ()


@to_integration.register
def _(event: Apartment.Assigned) -> Sequence[Publication]:
    return [
        Publication(
            ApartmentAssigned(
                apartment_id=event.originator_id,
                placement_id=event.placement_id,
                person_pseudonym=event.person_pseudonym,
                kind=ApartmentKind(event.kind),
                assigned_on=event.assigned_on,
                request_id=event.request_id,
                is_test_data=event.is_test_data,
            ),
            subject_id=str(event.originator_id),
        )
    ]

"""Domain event → integration event: pseudonymous and coded, never personal data. The
domain's codes become the contract's here, and only here."""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatch
from typing import Any

from tak_contracts.events.intake import Gender, PersonRegistered, TargetGroup
from tak_intake.domain.person import Person
from tak_platform.relay import Publication


@singledispatch
def to_integration(event: Any) -> Sequence[Publication]:
    """Events nobody else needs (and tombstones) publish nothing."""
    return ()


@to_integration.register
def _(event: Person.Registered) -> Sequence[Publication]:
    return [
        Publication(
            PersonRegistered(
                person_id=event.originator_id,
                person_pseudonym=event.person_pseudonym,
                registered_on=event.timestamp.date(),
                birth_year=event.birth_year,
                gender=Gender(event.gender),
                target_groups=[TargetGroup(g) for g in event.target_groups],
                situation=event.situation,
                is_test_data=event.is_test_data,
            ),
            subject_id=str(event.originator_id),
        )
    ]

"""What a caseworker asks of the intake service: one frozen command per use case of
``IntakeApp``, each saying who records it and when. A new record's id comes with its command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tak_intake.domain.values import Gender, TargetGroup


@dataclass(frozen=True)
class RegisterPerson:
    """A person in homelessness or at risk of it, as the caseworker assessed them."""

    person_id: UUID
    name: str
    personal_identity_number: str
    gender: Gender
    target_groups: tuple[TargetGroup, ...]
    situation: int | None
    recorded_by: str
    now: datetime
    is_test_data: bool

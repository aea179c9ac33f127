"""``IntakeApp``: the intake service layer, one method per use case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tak_contracts.events.intake import Gender, TargetGroup
from tak_intake.domain.person import Person
from tak_platform.application import TakApplication
from tak_platform.identity import normalise


@dataclass(frozen=True)
class RegisterPerson:
    """The command: a caseworker registers a person in homelessness or at risk of it."""

    name: str
    personal_identity_number: str
    gender: Gender
    target_groups: list[TargetGroup]
    situation: int | None
    registered_by: str
    now: datetime
    is_test_data: bool


class IntakeApp(TakApplication):
    name = "Intake"

    def register_person(self, command: RegisterPerson) -> tuple[UUID, int]:
        """Register the person; returns their id and the log position."""
        number = normalise(command.personal_identity_number, today=command.now.date())
        person = Person.register(
            district=self.district,
            name=command.name,
            personal_identity_number=number,
            person_pseudonym=self.pseudonym(number),
            gender=command.gender.value,
            target_groups=[g.value for g in command.target_groups],
            situation=command.situation,
            registered_by=command.registered_by,
            now=command.now,
            is_test_data=command.is_test_data,
        )
        return person.id, self.save_or_conflict(person, facts={"person_id": str(person.id)})

    def get_person(self, person_id: UUID, *, version: int | None = None) -> Person:
        return self.load(person_id, Person, version=version)

"""``IntakeApp``: the intake service layer, one method per use case.

Each use case takes its command (``tak_intake.commands``), lets the aggregate decide, and saves;
it answers with the record and the position of its last event in the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from tak_intake.commands import RegisterPerson
from tak_intake.domain.person import Person
from tak_platform.application import TakApplication
from tak_platform.identity import normalise


@dataclass(frozen=True)
class Registration:
    """A registered person and the position of their event."""

    person: Person
    position: int


class IntakeApp(TakApplication):
    name = "Intake"

    def register_person(self, command: RegisterPerson) -> Registration:
        """Register the person under the command's id, by their normalised number."""
        number = normalise(command.personal_identity_number, today=command.now.date())
        person = Person.register(
            person_id=command.person_id,
            district=self.district,
            name=command.name,
            personal_identity_number=number,
            person_pseudonym=self.pseudonym(number),
            gender=command.gender,
            target_groups=command.target_groups,
            situation=command.situation,
            registered_by=command.recorded_by,
            now=command.now,
            is_test_data=command.is_test_data,
        )
        facts = {"person_id": str(person.id)}
        return Registration(person, self.save_or_conflict(person, facts=facts))

    def get_person(self, person_id: UUID, *, version: int | None = None) -> Person:
        return self.load(person_id, Person, version=version)

"""``Person``: someone a district's caseworker (*handläggare*) registered as homeless or at risk.

Registration (*aktualisering*) records who the person is (personal data, sealed under the
person's own key) and how the caseworker assessed them: gender, target groups and
Socialstyrelsen's homelessness situation (docs/domain.md, who counts as homeless).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from tak_intake.domain.errors import UnknownSituation
from tak_intake.domain.values import Gender, TargetGroup

SITUATIONS = range(1, 5)
"""Socialstyrelsen's four homelessness situations (docs/domain.md)."""


class Person(Aggregate):
    TOPIC: ClassVar[str] = "tak.intake:Person"

    # eventsourcing defines a ``Created`` event on every aggregate class, used or not; a person
    # is created by ``Registered`` (``register``). Declared only so that its topic is pinned too.
    class Created(Aggregate.Created):
        TOPIC: ClassVar[str] = "tak.intake:Person.Created"

    class Registered(Aggregate.Created):
        """A caseworker registered the person (*aktualiserad*)."""

        TOPIC: ClassVar[str] = "tak.intake:Person.Registered"
        district: str
        name: str
        personal_identity_number: str
        person_pseudonym: str
        birth_year: int
        gender: str
        target_groups: list[str]
        situation: int | None
        registered_by: str
        is_test_data: bool

    def __init__(
        self,
        district: str,
        name: str,
        personal_identity_number: str,
        person_pseudonym: str,
        birth_year: int,
        gender: str,
        target_groups: list[str],
        situation: int | None,
        registered_by: str,
        is_test_data: bool,
    ) -> None:
        self.district = district
        self.name = name
        self.personal_identity_number = personal_identity_number
        self.person_pseudonym = person_pseudonym
        self.birth_year = birth_year
        self.gender = gender
        self.target_groups = list(target_groups)
        self.situation = situation
        self.registered_by = registered_by
        self.is_test_data = is_test_data

    @classmethod
    def register(
        cls,
        *,
        person_id: UUID,
        district: str,
        name: str,
        personal_identity_number: str,
        person_pseudonym: str,
        gender: Gender,
        target_groups: Iterable[TargetGroup],
        situation: int | None,
        registered_by: str,
        now: datetime,
        is_test_data: bool = False,
    ) -> Person:
        """Register a person, under the id given, by their normalised 12-digit number, which
        gives the birth year.

        The situation, when assessed, is one of Socialstyrelsen's four; a person may belong to
        several target groups, each counted once.
        """
        if situation is not None and situation not in SITUATIONS:
            raise UnknownSituation(situation)
        return cls._create(
            cls.Registered,
            id=person_id,
            timestamp=now,
            district=district,
            name=name,
            personal_identity_number=personal_identity_number,
            person_pseudonym=person_pseudonym,
            birth_year=int(personal_identity_number[:4]),
            gender=gender.value,
            target_groups=[group.value for group in dict.fromkeys(target_groups)],
            situation=situation,
            registered_by=registered_by,
            is_test_data=is_test_data,
        )

"""GET /api/persons/{person_id}: one person as registered, or as at a version."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tak_intake.dependencies import AppServices
from tak_intake.domain.person import Person
from tak_intake.domain.values import Gender, TargetGroup
from tak_platform.bounds import MAX_VERSION
from tak_platform.problems import problems

router = APIRouter(prefix="/api/persons", tags=["persons"], responses=problems(404, 410))


class PersonOut(BaseModel):
    """The person as registered; the personal identity number is not shown, its birth year is."""

    person_id: UUID
    version: int
    district: str
    name: str
    birth_year: int
    gender: Gender
    target_groups: list[TargetGroup]
    situation: int | None = Field(description="Socialstyrelsen's homelessness situation 1–4.")
    registered_by: str
    registered_on: date
    is_test_data: bool

    @classmethod
    def of(cls, person: Person) -> PersonOut:
        return cls(
            person_id=person.id,
            version=person.version,
            district=person.district,
            name=person.name,
            birth_year=person.birth_year,
            gender=Gender(person.gender),
            target_groups=[TargetGroup(g) for g in person.target_groups],
            situation=person.situation,
            registered_by=person.registered_by,
            registered_on=person.created_on.date(),
            is_test_data=person.is_test_data,
        )


@router.get("/{person_id}", summary="Get a person (optionally as at a version)")
def get_person(
    person_id: UUID,
    services: AppServices,
    version: Annotated[int | None, Query(ge=1, le=MAX_VERSION)] = None,
) -> PersonOut:
    return PersonOut.of(services.app.get_person(person_id, version=version))

"""GET /api/persons/{person_id}: one person as registered, or as at a version."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query

from tak_intake.dependencies import Container
from tak_platform.bounds import MAX_VERSION
from tak_platform.problems import problems

router = APIRouter(prefix="/api/persons", tags=["persons"], responses=problems(404, 410))


@router.get("/{person_id}", summary="Get a person (optionally as at a version)")
def get_person(
    person_id: UUID,
    container: Container,
    version: int | None = Query(default=None, ge=1, le=MAX_VERSION),
) -> dict[str, Any]:
    person = container.app.get_person(person_id, version=version)
    return {
        "person_id": str(person.id),
        "version": person.version,
        "district": person.district,
        "name": person.name,
        "birth_year": person.birth_year,
        "gender": person.gender,
        "target_groups": person.target_groups,
        "situation": person.situation,
        "registered_by": person.registered_by,
        "registered_on": person.created_on.date().isoformat(),
        "is_test_data": person.is_test_data,
    }

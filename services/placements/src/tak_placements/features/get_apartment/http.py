"""GET /api/apartments/{apartment_id}: one apartment and who holds it, or as at a version."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query

from tak_placements.dependencies import Container
from tak_placements.domain.apartment import Placement
from tak_platform.bounds import MAX_VERSION
from tak_platform.problems import problems

router = APIRouter(prefix="/api/apartments", tags=["apartments"], responses=problems(404, 410))


@router.get("/{apartment_id}", summary="Get an apartment (optionally as at a version)")
def get_apartment(
    apartment_id: UUID,
    container: Container,
    version: int | None = Query(default=None, ge=1, le=MAX_VERSION),
) -> dict[str, Any]:
    apartment = container.app.get_apartment(apartment_id, version=version)
    return {
        "apartment_id": str(apartment.id),
        "version": apartment.version,
        "district": apartment.district,
        "kind": apartment.kind,
        "address": apartment.address,
        "added_by": apartment.added_by,
        "occupied": apartment.is_occupied,
        "placement": _placement(apartment.placement),
        "is_test_data": apartment.is_test_data,
    }


def _placement(placement: Placement | None) -> dict[str, Any] | None:
    if placement is None:
        return None
    return {
        "placement_id": str(placement.placement_id),
        "assigned_on": placement.assigned_on.isoformat(),
        "request_id": str(placement.request_id) if placement.request_id else None,
    }

"""GET /api/apartments/{apartment_id}: one apartment and who holds it, or as at a version."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tak_placements.dependencies import AppServices
from tak_placements.domain.apartment import Apartment, Placement
from tak_placements.domain.values import ApartmentKind
from tak_platform.bounds import MAX_VERSION
from tak_platform.problems import problems

router = APIRouter(prefix="/api/apartments", tags=["apartments"], responses=problems(404, 410))


class PlacementOut(BaseModel):
    """Who holds the apartment is not shown here: only the placement."""

    placement_id: UUID
    assigned_on: date
    request_id: UUID | None = Field(description="The emergency-apartment request it answered.")

    @classmethod
    def of(cls, placement: Placement | None) -> PlacementOut | None:
        if placement is None:
            return None
        return cls(
            placement_id=placement.placement_id,
            assigned_on=placement.assigned_on,
            request_id=placement.request_id,
        )


class ApartmentOut(BaseModel):
    apartment_id: UUID
    version: int
    district: str
    kind: ApartmentKind
    address: str
    added_by: str
    occupied: bool
    placement: PlacementOut | None
    is_test_data: bool

    @classmethod
    def of(cls, apartment: Apartment) -> ApartmentOut:
        return cls(
            apartment_id=apartment.id,
            version=apartment.version,
            district=apartment.district,
            kind=ApartmentKind(apartment.kind),
            address=apartment.address,
            added_by=apartment.added_by,
            occupied=apartment.is_occupied,
            placement=PlacementOut.of(apartment.placement),
            is_test_data=apartment.is_test_data,
        )


@router.get("/{apartment_id}", summary="Get an apartment (optionally as at a version)")
def get_apartment(
    apartment_id: UUID,
    services: AppServices,
    version: Annotated[int | None, Query(ge=1, le=MAX_VERSION)] = None,
) -> ApartmentOut:
    return ApartmentOut.of(services.app.get_apartment(apartment_id, version=version))

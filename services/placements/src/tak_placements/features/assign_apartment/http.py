"""POST /api/apartments/{apartment_id}/assignments: assign a vacant apartment to a person."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from tak_placements.commands import AssignApartment
from tak_placements.dependencies import Call
from tak_platform.fields import Day, Flag
from tak_platform.idempotency import Receipt
from tak_platform.identity import API_MAX_LENGTH, API_PATTERN
from tak_platform.problems import problems

router = APIRouter(prefix="/api/apartments", tags=["apartments"])


class AssignApartmentIn(BaseModel):
    """The person who moves in, and from when."""

    model_config = ConfigDict(extra="forbid")
    personal_identity_number: str = Field(
        min_length=10,
        max_length=API_MAX_LENGTH,
        pattern=API_PATTERN,
        description="The resident's *personnummer*, YYYYMMDD-NNNN; the check digit is verified.",
    )
    assigned_on: Day = Field(description="The first day of the placement.")
    request_id: UUID | None = Field(
        default=None, description="The emergency-apartment request this answers, if any."
    )
    assigned_by: str = Field(
        min_length=1,
        max_length=100,
        description="The housing coordinator (*bosamordnare*) assigning.",
    )
    is_test_data: Flag = Field(default=False, description="True for a synthetic person.")

    def command(self, apartment_id: UUID, now: datetime) -> AssignApartment:
        """The command, with the new placement's id."""
        return AssignApartment(
            apartment_id=apartment_id,
            placement_id=uuid4(),
            personal_identity_number=self.personal_identity_number,
            assigned_on=self.assigned_on,
            request_id=self.request_id,
            recorded_by=self.assigned_by,
            now=now,
            is_test_data=self.is_test_data,
        )


class ApartmentAssignedOut(BaseModel):
    placement_id: UUID
    position: int = Field(description="The event's position in the service's log.")

    @classmethod
    def of(cls, receipt: Receipt) -> ApartmentAssignedOut:
        """The answer, first time and on a replay alike."""
        return cls(placement_id=receipt.facts["placement_id"], position=receipt.position)


@router.post(
    "/{apartment_id}/assignments",
    status_code=201,
    summary="Assign a vacant apartment",
    responses=problems(
        404, 409, 410, notes={409: "The apartment is already occupied, or changed meanwhile."}
    ),
)
async def assign_apartment(
    apartment_id: UUID, body: AssignApartmentIn, call: Call
) -> ApartmentAssignedOut:
    command = body.command(apartment_id, call.now)
    return ApartmentAssignedOut.of(await call.run(call.app.assign_apartment, command))

"""POST /api/apartments/{apartment_id}/assignments: assign a vacant apartment to a person."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from tak_placements.application import AssignApartment
from tak_placements.dependencies import Container
from tak_platform.bounds import MAX_KEY_LENGTH
from tak_platform.fields import Day, Flag
from tak_platform.idempotency import Receipt, fingerprint, run_idempotent
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

    def command(self) -> AssignApartment:
        return AssignApartment(
            personal_identity_number=self.personal_identity_number,
            assigned_on=self.assigned_on,
            request_id=self.request_id,
            assigned_by=self.assigned_by,
            is_test_data=self.is_test_data,
        )


class ApartmentAssignedOut(BaseModel):
    placement_id: UUID
    position: int = Field(description="The event's position in the service's log.")


@router.post(
    "/{apartment_id}/assignments",
    status_code=201,
    response_model=ApartmentAssignedOut,
    summary="Assign a vacant apartment",
    responses=problems(
        404, 409, 410, notes={409: "The apartment is already occupied, or changed meanwhile."}
    ),
)
def assign_apartment(
    apartment_id: UUID,
    body: AssignApartmentIn,
    container: Container,
    idempotency_key: Annotated[str | None, Header(max_length=MAX_KEY_LENGTH)] = None,
) -> Any:
    print_ = fingerprint("assign_apartment", [str(apartment_id), body.model_dump(mode="json")])
    receipt = run_idempotent(
        container.idempotency,
        idempotency_key,
        print_,
        lambda: container.app.assign_apartment(apartment_id, body.command(), now=container.now()),
    )
    return assigned(receipt)


def assigned(receipt: Receipt) -> JSONResponse:
    """The answer, first time and on a replay alike."""
    out = {"placement_id": receipt.facts["placement_id"], "position": receipt.position}
    return JSONResponse(out, status_code=201)

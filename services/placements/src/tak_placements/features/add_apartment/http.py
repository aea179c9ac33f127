"""POST /api/apartments: the district takes an apartment into its stock."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from tak_placements.commands import AddApartment
from tak_placements.dependencies import Call
from tak_placements.domain.values import ApartmentKind
from tak_platform.fields import Flag
from tak_platform.idempotency import Receipt

router = APIRouter(prefix="/api/apartments", tags=["apartments"])


class AddApartmentIn(BaseModel):
    """One of the district's apartments in the housing chain."""

    model_config = ConfigDict(extra="forbid")
    kind: ApartmentKind = Field(
        description="Training, trial, social-psychiatry, service "
        "housing, emergency or Housing First."
    )
    address: str = Field(min_length=1, max_length=300)
    added_by: str = Field(
        min_length=1,
        max_length=100,
        description="The housing coordinator (*bosamordnare*) adding it.",
    )
    is_test_data: Flag = Field(default=False, description="True for synthetic demo/test data.")

    def command(self, now: datetime) -> AddApartment:
        """The command, with the new apartment's id."""
        return AddApartment(
            apartment_id=uuid4(),
            kind=self.kind,
            address=self.address,
            recorded_by=self.added_by,
            now=now,
            is_test_data=self.is_test_data,
        )


class ApartmentAddedOut(BaseModel):
    apartment_id: UUID
    position: int = Field(description="The event's position in the service's log.")

    @classmethod
    def of(cls, receipt: Receipt) -> ApartmentAddedOut:
        """The answer, first time and on a replay alike."""
        return cls(apartment_id=receipt.facts["apartment_id"], position=receipt.position)


@router.post("", status_code=201, summary="Add an apartment")
async def add_apartment(body: AddApartmentIn, call: Call) -> ApartmentAddedOut:
    return ApartmentAddedOut.of(await call.run(call.app.add_apartment, body.command(call.now)))

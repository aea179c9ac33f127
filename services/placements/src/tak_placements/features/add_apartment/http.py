"""POST /api/apartments: the district takes an apartment into its stock."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from tak_contracts.events.placements import ApartmentKind
from tak_placements.application import AddApartment
from tak_placements.dependencies import Container
from tak_platform.bounds import MAX_KEY_LENGTH
from tak_platform.fields import Flag
from tak_platform.idempotency import Receipt, fingerprint, run_idempotent

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

    def command(self) -> AddApartment:
        return AddApartment(
            kind=self.kind,
            address=self.address,
            added_by=self.added_by,
            is_test_data=self.is_test_data,
        )


class ApartmentAddedOut(BaseModel):
    apartment_id: UUID
    position: int = Field(description="The event's position in the service's log.")


@router.post("", status_code=201, response_model=ApartmentAddedOut, summary="Add an apartment")
def add_apartment(
    body: AddApartmentIn,
    container: Container,
    idempotency_key: Annotated[str | None, Header(max_length=MAX_KEY_LENGTH)] = None,
) -> Any:
    receipt = run_idempotent(
        container.idempotency,
        idempotency_key,
        fingerprint("add_apartment", body.model_dump(mode="json")),
        lambda: container.app.add_apartment(body.command(), now=container.now()),
    )
    return added(receipt)


def added(receipt: Receipt) -> JSONResponse:
    """The answer, first time and on a replay alike."""
    out = {"apartment_id": receipt.facts["apartment_id"], "position": receipt.position}
    return JSONResponse(out, status_code=201)

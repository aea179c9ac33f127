"""POST /api/persons: a caseworker registers a person (*aktualisering*)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from tak_intake.commands import RegisterPerson
from tak_intake.dependencies import Call
from tak_intake.domain.values import Gender, TargetGroup
from tak_platform.fields import Flag, Whole
from tak_platform.idempotency import Receipt
from tak_platform.identity import API_MAX_LENGTH, API_PATTERN

router = APIRouter(prefix="/api/persons", tags=["persons"])


class RegisterPersonIn(BaseModel):
    """A person in homelessness or at risk of it, as the caseworker assessed them."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, description="The person's full name.")
    personal_identity_number: str = Field(
        min_length=10,
        max_length=API_MAX_LENGTH,
        pattern=API_PATTERN,
        description="*Personnummer* or *samordningsnummer*, YYYYMMDD-NNNN; the check digit is "
        "verified and the birth year taken from it.",
    )
    gender: Gender
    target_groups: list[TargetGroup] = Field(
        default_factory=list,
        max_length=len(TargetGroup),
        description="The city's target groups the person belongs to; may be several.",
    )
    situation: Whole | None = Field(
        default=None,
        ge=1,
        le=4,
        description="Socialstyrelsen's homelessness situation 1–4, when assessed.",
    )
    registered_by: str = Field(
        min_length=1, max_length=100, description="The caseworker (*handläggare*) registering."
    )
    is_test_data: Flag = Field(default=False, description="True for synthetic demo/test data.")

    def command(self, now: datetime) -> RegisterPerson:
        """The command, with the new person's id."""
        return RegisterPerson(
            person_id=uuid4(),
            name=self.name,
            personal_identity_number=self.personal_identity_number,
            gender=self.gender,
            target_groups=tuple(self.target_groups),
            situation=self.situation,
            recorded_by=self.registered_by,
            now=now,
            is_test_data=self.is_test_data,
        )


class PersonRegisteredOut(BaseModel):
    person_id: UUID
    position: int = Field(description="The event's position in the service's log.")

    @classmethod
    def of(cls, receipt: Receipt) -> PersonRegisteredOut:
        """The answer, first time and on a replay alike."""
        return cls(person_id=receipt.facts["person_id"], position=receipt.position)


@router.post("", status_code=201, summary="Register a person")
async def register_person(body: RegisterPersonIn, call: Call) -> PersonRegisteredOut:
    return PersonRegisteredOut.of(await call.run(call.app.register_person, body.command(call.now)))

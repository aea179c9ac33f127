"""POST /api/cases: register an eviction threat from a signal (*aktualisera*).

One case per household: a signal about a household whose case is open is added to it (200),
one whose case is closed reopens it (200), anything else opens a new case (201). The answer
says which.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from tak_evictions.application import RegistrationOutcome
from tak_evictions.commands import RegisterThreat
from tak_evictions.dependencies import Call
from tak_evictions.domain.values import Child, Household, Signal, SignalKind, Tenant
from tak_platform.fields import Day, Flag, Kronor, Whole
from tak_platform.idempotency import Receipt
from tak_platform.identity import API_MAX_LENGTH, API_PATTERN
from tak_platform.problems import problems

router = APIRouter(prefix="/api/cases", tags=["cases"], responses=problems(409))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TenantIn(Strict):
    name: str = Field(min_length=1, max_length=200, description="The tenant's full name.")
    personal_identity_number: str = Field(
        min_length=10,
        max_length=API_MAX_LENGTH,
        pattern=API_PATTERN,
        description="*Personnummer*, YYYYMMDD-NNNN; the check digit is verified.",
    )
    phone: str | None = Field(default=None, max_length=40)


class ChildIn(Strict):
    birth_year: Whole = Field(ge=1990, le=2100)
    registered_at_address: Flag = Field(
        description="Registered at the address (Kronofogden counts the two classes apart)."
    )


class SignalIn(Strict):
    kind: SignalKind = Field(
        description="Which signal: notice of termination (*uppsägning*), "
        "rent arrears, disturbance, an application to the Enforcement "
        "Authority (*Kronofogden*) or other."
    )
    received_on: Day = Field(description="The day the district received the signal.")
    arrears_amount: Kronor | None = Field(default=None, description="Rent arrears, SEK.")
    arrears_months: Whole | None = Field(default=None, ge=0, le=120)
    enforcement_case_number: str | None = Field(
        default=None, max_length=40, description="Kronofogden's case number."
    )
    eviction_date: Day | None = Field(
        default=None,
        description="The eviction date, when Kronofogden has set one; not before the registration.",
    )

    def value(self) -> Signal:
        return Signal(**self.model_dump())


class RegisterThreatIn(Strict):
    """A signal about a threatened tenancy (*hot om vräkning*)."""

    tenant: TenantIn
    address: str = Field(min_length=1, max_length=300)
    landlord_name: str = Field(min_length=1, max_length=200)
    landlord_contact: str | None = Field(default=None, max_length=200)
    adults: Whole = Field(ge=1, le=20)
    children: list[ChildIn] = Field(default_factory=list, max_length=20)
    signal: SignalIn
    coordinator: str | None = Field(
        default=None,
        max_length=100,
        description="The coordinator who owns the case; defaults to the one registering it.",
    )
    registered_by: str = Field(
        min_length=1, max_length=100, description="Who registers the signal."
    )
    is_test_data: Flag = Field(default=False, description="True for synthetic demo/test data.")

    def command(self, now: datetime) -> RegisterThreat:
        household = Household(
            Tenant(**self.tenant.model_dump()),
            self.address,
            self.landlord_name,
            self.landlord_contact,
            self.adults,
            tuple(Child(**c.model_dump()) for c in self.children),
        )
        return RegisterThreat(
            household,
            self.signal.value(),
            self.coordinator or self.registered_by,
            self.registered_by,
            now,
            self.is_test_data,
        )


class ThreatRegistrationOut(BaseModel):
    case_id: UUID
    outcome: RegistrationOutcome = Field(
        description="A new case, the signal added to the household's open case, or the "
        "household's closed case reopened."
    )
    version: int = Field(description="The case's version; send it as If-Match with a step.")
    position: int = Field(description="The event's position in the service's log.")

    @classmethod
    def of(cls, receipt: Receipt, response: Response) -> ThreatRegistrationOut:
        """The answer to a signal, first time and on a replay alike: 201 for a new case."""
        case_id, outcome = receipt.facts["case_id"], receipt.facts["outcome"]
        response.status_code = 201 if outcome == "opened" else 200
        version = receipt.version_of(case_id)
        return cls(case_id=case_id, outcome=outcome, version=version, position=receipt.position)


@router.post(
    "",
    status_code=201,
    responses={
        200: {
            "model": ThreatRegistrationOut,
            "description": "Added to or reopened the household's case",
        }
    },
    summary="Register an eviction threat from a signal",
)
async def register_threat(body: RegisterThreatIn, call: Call) -> ThreatRegistrationOut:
    return ThreatRegistrationOut.of(
        await call.run(call.app.register_threat, body.command(call.now)), call.response
    )

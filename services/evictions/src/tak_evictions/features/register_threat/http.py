"""POST /api/cases: register an eviction threat from a signal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from tak_contracts.events.evictions import SignalKind
from tak_evictions.application import RegisterThreat
from tak_evictions.dependencies import Container
from tak_evictions.domain.eviction_case import Child, Signal, Tenant
from tak_platform.idempotency import fingerprint, run_idempotent

router = APIRouter(prefix="/api/cases", tags=["cases"])


class TenantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, description="The tenant's full name.")
    personal_identity_number: str = Field(
        description="*Personnummer*, YYYYMMDD-NNNN; the check digit is verified."
    )
    phone: str | None = Field(default=None, max_length=40)


class ChildIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    birth_year: int = Field(ge=1990, le=2100)
    registered_at_address: bool = Field(
        description="Registered at the address (Kronofogden counts the two classes apart)."
    )


class SignalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: SignalKind = Field(
        description="Which signal: notice, arrears, disturbance, "
        "enforcement application (*Kronofogden*) or other."
    )
    received_on: date
    arrears_amount: Decimal | None = Field(default=None, ge=0, description="Rent arrears, SEK.")
    arrears_months: int | None = Field(default=None, ge=0, le=120)
    enforcement_case_number: str | None = Field(default=None, max_length=40)
    eviction_date: date | None = Field(default=None, description="When Kronofogden set one.")


class RegisterThreatIn(BaseModel):
    """A signal about a threatened tenancy (*hot om vräkning*)."""

    model_config = ConfigDict(extra="forbid")
    tenant: TenantIn
    address: str = Field(min_length=1, max_length=300)
    landlord_name: str = Field(min_length=1, max_length=200)
    landlord_contact: str | None = Field(default=None, max_length=200)
    adults: int = Field(ge=1, le=20)
    children: list[ChildIn] = Field(default_factory=list, max_length=20)
    signal: SignalIn
    registered_by: str = Field(
        min_length=1, max_length=100, description="The coordinator registering the threat."
    )
    is_test_data: bool = Field(default=False, description="True for synthetic demo/test data.")

    def command(self) -> RegisterThreat:
        return RegisterThreat(
            tenant=Tenant(**self.tenant.model_dump()),
            address=self.address,
            landlord_name=self.landlord_name,
            landlord_contact=self.landlord_contact,
            adults=self.adults,
            children=[Child(**c.model_dump()) for c in self.children],
            signal=Signal(**self.signal.model_dump()),
            registered_by=self.registered_by,
            is_test_data=self.is_test_data,
        )


class CaseRegisteredOut(BaseModel):
    case_id: UUID
    position: int = Field(description="The event's position in the service's log.")


@router.post(
    "", status_code=201, response_model=CaseRegisteredOut, summary="Register an eviction threat"
)
def register_threat(
    body: RegisterThreatIn,
    container: Container,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    def command() -> tuple[int, dict[str, Any]]:
        case_id, position = container.app.register_threat(body.command(), now=container.now())
        return 201, {"case_id": str(case_id), "position": position}

    status, out = run_idempotent(
        container.idempotency,
        idempotency_key,
        fingerprint("register_threat", body.model_dump(mode="json")),
        command,
    )
    return JSONResponse(out, status_code=status)

"""The values of a case as the API shows them, read from the domain's dataclasses field by field:
a field the domain adds is not shown until a model here names it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tak_evictions.domain.values import (
    AlternativeKind,
    ContactChannel,
    Household,
    MovedTo,
    PreventedHow,
    SignalKind,
)


class ValueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TenantOut(ValueOut):
    name: str
    personal_identity_number: str = Field(description="Normalised: YYYYMMDDNNNN.")
    phone: str | None


class ChildOut(ValueOut):
    birth_year: int
    registered_at_address: bool


class LandlordOut(BaseModel):
    name: str
    contact: str | None


class SignalOut(ValueOut):
    kind: SignalKind
    received_on: date
    arrears_amount: Decimal | None = Field(description="Rent arrears, SEK.")
    arrears_months: int | None
    enforcement_case_number: str | None
    eviction_date: date | None


class ContactAttemptOut(ValueOut):
    channel: ContactChannel
    on: date
    reached: bool


class RepaymentPlanOut(ValueOut):
    amount: Decimal = Field(description="SEK.")
    instalments: int
    agreed_on: date


class ClosureOut(ValueOut):
    outcome: Literal["prevented", "moved", "executed"]
    on: date
    prevented_how: PreventedHow | None
    moved_to: MovedTo | None
    children_registered: int
    children_not_registered: int


class AlternativeOut(ValueOut):
    kind: AlternativeKind
    description: str | None


class HouseholdOut(BaseModel):
    """The household as a signal gave it."""

    tenant: TenantOut
    address: str
    landlord: LandlordOut
    adults: int
    children: list[ChildOut]

    @classmethod
    def of(cls, household: Household) -> HouseholdOut:
        return cls(
            tenant=TenantOut.model_validate(household.tenant),
            address=household.address,
            landlord=landlord(household),
            adults=household.adults,
            children=[ChildOut.model_validate(c) for c in household.children],
        )


def landlord(household: Household) -> LandlordOut:
    return LandlordOut(name=household.landlord_name, contact=household.landlord_contact)

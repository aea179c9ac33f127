"""Values an eviction case is made of. Personal data (names, numbers, phone, address, notes)
lives only in these and in the events that carry them, sealed under the household's key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class SignalKind(StrEnum):
    """How the district learnt of the threat."""

    NOTICE_OF_TERMINATION = "notice_of_termination"  # uppsägning
    RENT_ARREARS = "rent_arrears"  # hyresskuld
    DISTURBANCE = "disturbance"  # störningar
    ENFORCEMENT_APPLICATION = "enforcement_application"  # ansökan om avhysning, Kronofogden
    OTHER = "other"


class ContactChannel(StrEnum):
    LETTER = "letter"
    PHONE = "phone"
    HOME_VISIT = "home_visit"


class CounsellingOutcome(StrEnum):
    """What budget and debt counselling (*budget- och skuldrådgivning*) came to."""

    BUDGET_MADE = "budget_made"
    DEBT_RESTRUCTURING_APPLIED = "debt_restructuring_applied"  # skuldsanering
    DECLINED = "declined"
    NO_SHOW = "no_show"


class EnforcementDecision(StrEnum):
    """The Enforcement Authority's (*Kronofogden*) decisions on an eviction application."""

    APPLICATION_WITHDRAWN = "application_withdrawn"
    APPLICATION_REJECTED = "application_rejected"
    EVICTION_DATE_SET = "eviction_date_set"
    EVICTION_DATE_MOVED = "eviction_date_moved"


class PreventedHow(StrEnum):
    """How the tenant kept the home."""

    DEBT_PAID = "debt_paid"
    REPAYMENT_PLAN = "repayment_plan"
    LANDLORD_WITHDREW = "landlord_withdrew"
    APPLICATION_REJECTED = "application_rejected"
    APPLICATION_WITHDRAWN = "application_withdrawn"


class MovedTo(StrEnum):
    """Where a household that left by agreement went (coded)."""

    OTHER_RENTAL = "other_rental"
    RELATIVES_OR_FRIENDS = "relatives_or_friends"
    SECOND_HAND = "second_hand"
    MUNICIPAL_HOUSING = "municipal_housing"
    UNKNOWN = "unknown"


class AlternativeKind(StrEnum):
    """The housing alternative given to an evicted household."""

    EMERGENCY_APARTMENT = "emergency_apartment"  # jourlägenhet
    TRAINING_OR_TRIAL_APARTMENT = "training_or_trial_apartment"
    SHELTER_OR_HOSTEL = "shelter_or_hostel"  # härbärge, vandrarhem
    RELATIVES_OR_FRIENDS = "relatives_or_friends"
    OWN_NEW_TENANCY = "own_new_tenancy"
    OTHER = "other"


@dataclass(frozen=True)
class Tenant:
    name: str
    personal_identity_number: str
    phone: str | None


@dataclass(frozen=True)
class Child:
    """Kronofogden counts children registered at the address and those not registered apart."""

    birth_year: int
    registered_at_address: bool


@dataclass(frozen=True)
class Household:
    tenant: Tenant
    address: str
    landlord_name: str
    landlord_contact: str | None
    adults: int
    children: tuple[Child, ...]

    @property
    def children_registered(self) -> int:
        return sum(1 for c in self.children if c.registered_at_address)

    @property
    def children_not_registered(self) -> int:
        return sum(1 for c in self.children if not c.registered_at_address)


@dataclass(frozen=True)
class Signal:
    kind: str
    received_on: date
    arrears_amount: Decimal | None = None
    arrears_months: int | None = None
    enforcement_case_number: str | None = None
    eviction_date: date | None = None


@dataclass(frozen=True)
class ContactAttempt:
    channel: str
    on: date
    reached: bool


@dataclass(frozen=True)
class RepaymentPlan:
    amount: Decimal
    instalments: int
    agreed_on: date


@dataclass(frozen=True)
class HousingAlternative:
    kind: str
    description: str | None = None


@dataclass(frozen=True)
class Closure:
    """How the case ended: prevented (how), moved (where to) or executed (the eviction)."""

    outcome: str
    on: date
    prevented_how: str | None = None
    moved_to: str | None = None
    children_registered: int = 0
    children_not_registered: int = 0

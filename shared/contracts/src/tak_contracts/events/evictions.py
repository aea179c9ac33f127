"""Events published by a district's eviction-prevention service (*vräkningsförebyggande*)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from tak_contracts.base import IntegrationEvent


class SignalKind(StrEnum):
    """How the district learnt of the threat."""

    NOTICE_OF_TERMINATION = "notice_of_termination"
    """The landlord's notice of termination (*uppsägning*)."""
    RENT_ARREARS = "rent_arrears"
    """Unpaid rent reported by the landlord (*hyresskuld*)."""
    DISTURBANCE = "disturbance"
    """Complaints of disturbance (*störningar*)."""
    ENFORCEMENT_APPLICATION = "enforcement_application"
    """An application to the Enforcement Authority for eviction (*ansökan om avhysning hos
    Kronofogden*)."""
    OTHER = "other"
    """Any other signal."""


class ArrearsBracket(StrEnum):
    """Rent arrears in coded brackets (SEK), never the exact amount."""

    NONE = "none"
    UNDER_10K = "under_10k"
    FROM_10K_TO_30K = "10k_to_30k"
    FROM_30K_TO_60K = "30k_to_60k"
    OVER_60K = "over_60k"


class EvictionThreatRegistered(IntegrationEvent):
    """A district opened an eviction-prevention case for a threatened tenancy."""

    service = "evictions"
    event_name = "eviction_threat_registered"

    case_id: UUID
    """The eviction case's aggregate id in the district's evictions service."""
    household_pseudonym: str = Field(min_length=16)
    """Keyed HMAC of the tenant's personal identity number under the city key."""
    signal: SignalKind
    """The kind of signal that opened the case."""
    registered_on: date
    """The day the district registered the threat."""
    arrears_bracket: ArrearsBracket = ArrearsBracket.NONE
    """Rent arrears at registration, coded."""
    adults: int = Field(ge=0)
    """Adults in the household."""
    children_registered: int = Field(ge=0)
    """Children registered at the address (Kronofogden's first class)."""
    children_not_registered: int = Field(ge=0)
    """Children not registered at the address but with a tenant parent (second class)."""
    eviction_date_set: bool = False
    """Whether the Enforcement Authority has set an eviction date."""
    is_test_data: bool = False
    """True for synthetic households (demo and test data), never for real ones."""
    reopened: bool = False
    """True when the signal reopened a closed case for the same household (a new threat)."""


class ContactChannel(StrEnum):
    """How the coordinator tried to reach the household."""

    LETTER = "letter"
    PHONE = "phone"
    HOME_VISIT = "home_visit"


class EnforcementDecision(StrEnum):
    """A decision of the Enforcement Authority (*Kronofogden*) on an eviction application."""

    APPLICATION_WITHDRAWN = "application_withdrawn"
    APPLICATION_REJECTED = "application_rejected"
    EVICTION_DATE_SET = "eviction_date_set"
    EVICTION_DATE_MOVED = "eviction_date_moved"


class PreventedHow(StrEnum):
    """How an eviction was prevented: the tenant stays."""

    DEBT_PAID = "debt_paid"
    REPAYMENT_PLAN = "repayment_plan"
    LANDLORD_WITHDREW = "landlord_withdrew"
    APPLICATION_REJECTED = "application_rejected"
    APPLICATION_WITHDRAWN = "application_withdrawn"


class MovedTo(StrEnum):
    """Where a household that left by agreement went."""

    OTHER_RENTAL = "other_rental"
    RELATIVES_OR_FRIENDS = "relatives_or_friends"
    SECOND_HAND = "second_hand"
    MUNICIPAL_HOUSING = "municipal_housing"
    UNKNOWN = "unknown"


class AlternativeKind(StrEnum):
    """The housing alternative given to an evicted household."""

    EMERGENCY_APARTMENT = "emergency_apartment"
    TRAINING_OR_TRIAL_APARTMENT = "training_or_trial_apartment"
    SHELTER_OR_HOSTEL = "shelter_or_hostel"
    RELATIVES_OR_FRIENDS = "relatives_or_friends"
    OWN_NEW_TENANCY = "own_new_tenancy"
    OTHER = "other"


class _CaseEvent(IntegrationEvent):
    service = "evictions"
    event_name = "_case"

    case_id: UUID
    """The eviction case's aggregate id in the district's evictions service."""
    household_pseudonym: str = Field(min_length=16)
    """Keyed HMAC of the tenant's personal identity number under the city key."""
    is_test_data: bool = False
    """True for synthetic households (demo and test data), never for real ones."""


class EvictionContactAttempted(_CaseEvent):
    """The coordinator tried to reach the household (letter, phone or home visit)."""

    event_name = "eviction_contact_attempted"

    attempted_on: date
    """The day of the attempt."""
    channel: ContactChannel
    """How the household was approached."""
    reached: bool
    """Whether someone in the household was reached."""
    days_since_signal: int
    """Days from the signal that opened (or reopened) the case to the attempt: how soon the
    household was approached."""


class EvictionCounsellingReferred(_CaseEvent):
    """The household was referred to budget and debt counselling."""

    event_name = "eviction_counselling_referred"

    referred_on: date
    """The day of the referral."""


class EvictionRepaymentPlanAgreed(_CaseEvent):
    """A repayment plan was agreed with the landlord."""

    event_name = "eviction_repayment_plan_agreed"

    agreed_on: date
    """The day the plan was agreed."""
    amount_bracket: ArrearsBracket
    """The amount to repay, coded in brackets (SEK)."""
    instalments: int = Field(ge=1)
    """The number of instalments."""


class EvictionEnforcementDecisionRecorded(_CaseEvent):
    """A decision of the Enforcement Authority in the case (Kronofogden counts withdrawn
    applications apart)."""

    event_name = "eviction_enforcement_decision_recorded"

    decision: EnforcementDecision
    """Which decision."""
    decided_on: date
    """The day of the decision."""
    eviction_date_set: bool
    """Whether an eviction date now stands."""


class EvictionPrevented(_CaseEvent):
    """The case closed with the tenant staying in the home."""

    event_name = "eviction_prevented"

    prevented_on: date
    """The day the case closed."""
    how: PreventedHow
    """How the eviction was prevented."""


class EvictionHouseholdMoved(_CaseEvent):
    """The case closed with the household leaving by agreement."""

    event_name = "eviction_household_moved"

    moved_on: date
    """The day the household left."""
    moved_to: MovedTo
    """Where it went, coded."""


class EvictionExecuted(_CaseEvent):
    """The eviction was carried out (*avhysning verkställd*)."""

    event_name = "eviction_executed"

    executed_on: date
    """The day of the eviction."""
    adults: int = Field(ge=0)
    """Adults in the household."""
    children_registered: int = Field(ge=0)
    """Children affected who were registered at the address (Kronofogden's first class)."""
    children_not_registered: int = Field(ge=0)
    """Children affected who were not registered there but have an evicted parent."""
    alternative_given: bool
    """Whether a housing alternative was recorded for the household at the eviction."""
    alternative_kind: AlternativeKind | None = None
    """The alternative, when one was given."""


class ChildEvictionAlertRaised(_CaseEvent):
    """Children were evicted and no housing alternative is recorded: the city's rule is
    broken and the alert stays open until an alternative is recorded."""

    event_name = "child_eviction_without_alternative_raised"

    raised_on: date
    """The day the alert was raised (the execution was recorded)."""
    children_registered: int = Field(ge=0)
    """Children registered at the address."""
    children_not_registered: int = Field(ge=0)
    """Children not registered at the address."""


class ChildEvictionAlertResolved(_CaseEvent):
    """A housing alternative was recorded for the evicted family: the alert closes."""

    event_name = "child_eviction_without_alternative_resolved"

    resolved_on: date
    """The day the alternative was recorded."""
    alternative_kind: AlternativeKind
    """The alternative given."""


class EmergencyApartmentRequested(_CaseEvent):
    """A household with children was evicted: placements is asked for an emergency
    apartment (*jourlägenhet*). An ``apartment_assigned`` event with this ``request_id``
    answers it."""

    event_name = "emergency_apartment_requested"

    request_id: UUID
    """The request's id; the answering assignment carries it."""
    requested_on: date
    """The day of the request."""
    adults: int = Field(ge=0)
    """Adults in the household."""
    children: int = Field(ge=1)
    """Children in the household."""
    alternative_recorded: bool
    """Whether some other alternative was recorded already (placements may weigh it)."""

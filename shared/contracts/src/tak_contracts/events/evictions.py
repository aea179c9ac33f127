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

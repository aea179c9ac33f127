"""Events published by a district's placements service (the housing chain)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from tak_contracts.base import IntegrationEvent


class ApartmentKind(StrEnum):
    """Where in the housing chain (*vård- och boendekedjan*) an apartment stands."""

    TRAINING = "training"
    """*träningslägenhet*: conditional support, one week's notice, the district sublets."""
    TRIAL = "trial"
    """*försökslägenhet*: the client may take over the contract after 1–3 years."""
    SOCIAL_PSYCHIATRY = "social_psychiatry"
    """Training apartment of the social-psychiatry unit."""
    SERVICE_HOUSING = "service_housing"
    """An apartment in service housing."""
    EMERGENCY = "emergency"
    """*jourlägenhet*: for families in acute homelessness."""
    HOUSING_FIRST = "housing_first"
    """*Bostad först*: an own tenancy directly; support offered, never a condition."""


class ApartmentAssigned(IntegrationEvent):
    """A district assigned one of its apartments to a person or household."""

    service = "placements"
    event_name = "apartment_assigned"

    apartment_id: UUID
    """The apartment's aggregate id in the district's placements service."""
    placement_id: UUID
    """The id of this placement (one stay in one apartment)."""
    person_pseudonym: str = Field(min_length=16)
    """Keyed HMAC of the resident's personal identity number under the city key."""
    kind: ApartmentKind
    """The kind of apartment."""
    assigned_on: date
    """The first day of the placement."""
    request_id: UUID | None = None
    """The emergency-apartment request this assignment answers, if any (e.g. from evictions)."""
    is_test_data: bool = False
    """True for synthetic people (demo and test data), never for real ones."""

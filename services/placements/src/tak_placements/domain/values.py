"""The placements domain's own codes. The contract's codes have the same values; only
``integration/mapping.py`` turns one into the other, so either may grow on its own terms."""

from __future__ import annotations

from enum import StrEnum


class ApartmentKind(StrEnum):
    """Where in the housing chain (*vård- och boendekedjan*) an apartment stands."""

    TRAINING = "training"  # träningslägenhet: conditional support, the district sublets
    TRIAL = "trial"  # försökslägenhet: the client may take over the contract after 1–3 years
    SOCIAL_PSYCHIATRY = "social_psychiatry"  # training apartment of social psychiatry
    SERVICE_HOUSING = "service_housing"  # an apartment in service housing
    EMERGENCY = "emergency"  # jourlägenhet: for families in acute homelessness
    HOUSING_FIRST = "housing_first"  # Bostad först: an own tenancy directly

"""Events published by a district's intake service (*mottagning*)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from tak_contracts.base import IntegrationEvent


class TargetGroup(StrEnum):
    """The city's six target groups (docs/domain.md); a person may be in several."""

    ACUTE_HOMELESS = "acute_homeless"
    """*akut hemlösa*"""
    LONG_TERM_HOMELESS = "long_term_homeless"
    """*långvarigt hemlösa*"""
    FAMILIES_WITH_CHILDREN = "families_with_children"
    """*barnfamiljer med osäkra boendeförhållanden*"""
    COMPLEX_CARE_NEEDS = "complex_care_needs"
    """*komplexa vårdbehov*"""
    YOUNG_ADULTS = "young_adults"
    """*unga vuxna*"""
    ELDERLY = "elderly"
    """*äldre*, 65 and over"""


class Gender(StrEnum):
    """Legal gender as the follow-up splits it (coded, never a name)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class PersonRegistered(IntegrationEvent):
    """A district registered a person in homelessness or at risk of it (*aktualisering*)."""

    service = "intake"
    event_name = "person_registered"

    person_id: UUID
    """The person's aggregate id in the district's intake service."""
    person_pseudonym: str = Field(min_length=16)
    """Keyed HMAC of the personal identity number under the city key: the same person is the
    same pseudonym in every district, and nobody without the key can reverse it."""
    registered_on: date
    """The day the district registered the person."""
    birth_year: int = Field(ge=1900, le=2100)
    """Year of birth, for age groups in the follow-up."""
    gender: Gender
    """Coded gender, for the follow-up split by gender."""
    target_groups: list[TargetGroup] = Field(default_factory=list)
    """The target groups the caseworker assessed the person to belong to."""
    situation: int | None = Field(default=None, ge=1, le=4)
    """Socialstyrelsen's homelessness situation 1–4, when assessed."""
    is_test_data: bool = False
    """True for synthetic people (demo and test data), never for real ones."""

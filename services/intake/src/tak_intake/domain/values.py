"""The intake domain's own codes. The contract's codes have the same values; only
``integration/mapping.py`` turns one into the other, so either may grow on its own terms."""

from __future__ import annotations

from enum import StrEnum


class TargetGroup(StrEnum):
    """The city's six target groups (docs/domain.md); a person may be in several."""

    ACUTE_HOMELESS = "acute_homeless"  # akut hemlösa
    LONG_TERM_HOMELESS = "long_term_homeless"  # långvarigt hemlösa
    FAMILIES_WITH_CHILDREN = "families_with_children"  # barnfamiljer, osäkra boendeförhållanden
    COMPLEX_CARE_NEEDS = "complex_care_needs"  # komplexa vårdbehov
    YOUNG_ADULTS = "young_adults"  # unga vuxna
    ELDERLY = "elderly"  # äldre, 65 and over


class Gender(StrEnum):
    """Legal gender as the follow-up splits it."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"

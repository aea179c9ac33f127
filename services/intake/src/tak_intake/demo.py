"""Intake's demo data: the body of a synthetic ``POST /api/persons`` (``tak demo`` sends it)."""

from __future__ import annotations

import random
from typing import Any

from tak_platform import synthetic
from tak_platform.identity import synthetic_number

TARGET_GROUPS = [
    "acute_homeless",
    "long_term_homeless",
    "families_with_children",
    "complex_care_needs",
    "young_adults",
    "elderly",
]


def person(rng: random.Random) -> dict[str, Any]:
    """An invented person in one or two target groups, flagged as test data."""
    groups = rng.sample(TARGET_GROUPS, k=rng.randint(1, 2))
    return {
        "name": synthetic.name(rng),
        "personal_identity_number": synthetic_number(rng, rng.randint(1950, 2005)),
        "gender": rng.choice(["female", "male"]),
        "target_groups": groups,
        "situation": rng.choice([1, 2, 3, 4]),
        "registered_by": "handlaggare-1",
        "is_test_data": True,
    }

"""Placements' demo data: bodies of synthetic ``POST /api/apartments`` and
``POST /api/apartments/{id}/assignments`` (``tak demo`` sends them)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from tak_platform import synthetic
from tak_platform.identity import synthetic_number

KINDS = ["training", "trial", "social_psychiatry", "emergency"]
KIND_WEIGHTS = [34, 18, 21, 2]


def apartment(rng: random.Random) -> dict[str, Any]:
    return {
        "kind": rng.choices(KINDS, weights=KIND_WEIGHTS)[0],
        "address": synthetic.street_address(rng),
        "added_by": "bosamordnare-2",
        "is_test_data": True,
    }


def assignment(rng: random.Random, today: date) -> dict[str, Any]:
    """An invented tenant moved in some day in the last 400 days."""
    return {
        "personal_identity_number": synthetic_number(rng, rng.randint(1950, 2005)),
        "assigned_on": (today - timedelta(days=rng.randint(0, 400))).isoformat(),
        "assigned_by": "bosamordnare-2",
        "is_test_data": True,
    }

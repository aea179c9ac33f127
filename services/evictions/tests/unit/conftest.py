"""Given/when/then helpers for the eviction case: synthetic households and a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from tak_evictions.domain.eviction_case import EvictionCase
from tak_evictions.domain.values import Child, Household, Signal, Tenant

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NUMBER = "198112189876"


def household(children: int = 0, registered: bool = True) -> Household:
    kids = tuple(Child(2015 + i, registered) for i in range(children))
    return Household(
        Tenant("Alva Testsson", NUMBER, "070-000 12 34"),
        "Provgatan 7",
        "Demo Bostäder AB",
        "kontakt@demo.invalid",
        2,
        kids,
    )


def signal(kind: str = "rent_arrears", eviction_date: date | None = None) -> Signal:
    return Signal(kind, MONDAY.date() - timedelta(days=3), eviction_date=eviction_date)


def registered_case(children: int = 0, eviction_date: date | None = None) -> EvictionCase:
    """Given a case registered on Monday 2 November 2026."""
    return EvictionCase.register(
        district="norrmalm",
        household=household(children),
        household_pseudonym="p" * 64,
        signal=signal(eviction_date=eviction_date),
        coordinator="bo1",
        recorded_by="bo1",
        now=MONDAY,
        case_id=uuid4(),
        is_test_data=True,
    )


def later(days: int) -> datetime:
    return MONDAY + timedelta(days=days)

"""Deadlines of a case: the first contact attempt and urgency. Time is passed in, never read."""

from __future__ import annotations

from collections.abc import Container
from datetime import date, timedelta

URGENT_WITHIN_DAYS = 14


def add_working_days(start: date, days: int, holidays: Container[date]) -> date:
    """The day ``days`` working days after ``start`` (weekends and public holidays skipped)."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            days -= 1
    return current


def is_urgent(eviction_date: date | None, contact_reached: bool, today: date) -> bool:
    """Urgent: an eviction date within 14 days and nobody in the household reached yet."""
    if eviction_date is None or contact_reached:
        return False
    return (eviction_date - today).days <= URGENT_WITHIN_DAYS

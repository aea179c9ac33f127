"""Deadlines: the first contact attempt in working days, and urgency."""

from __future__ import annotations

from datetime import date

from tak_evictions.domain.deadlines import add_working_days, is_urgent


def test_the_first_contact_is_due_three_working_days_later_skipping_the_weekend() -> None:
    assert add_working_days(date(2026, 11, 6), 3, set()) == date(2026, 11, 11)


def test_public_holidays_are_not_working_days() -> None:
    christmas = {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)}
    assert add_working_days(date(2026, 12, 23), 1, christmas) == date(2026, 12, 28)


def test_an_eviction_within_fourteen_days_and_nobody_reached_is_urgent() -> None:
    assert is_urgent(date(2026, 11, 16), contact_reached=False, today=date(2026, 11, 2))
    assert not is_urgent(date(2026, 11, 17), contact_reached=False, today=date(2026, 11, 2))


def test_a_reached_household_is_not_urgent() -> None:
    assert not is_urgent(date(2026, 11, 5), contact_reached=True, today=date(2026, 11, 2))


def test_no_eviction_date_is_not_urgent() -> None:
    assert not is_urgent(None, contact_reached=False, today=date(2026, 11, 2))

"""Deadlines: the first contact attempt in working days. (Urgency is decided in the work
list's SQL, and tested there: tests/integration/test_work_list.py.)"""

from __future__ import annotations

from datetime import date

from tak_evictions.domain.deadlines import add_working_days


def test_the_first_contact_is_due_three_working_days_later_skipping_the_weekend() -> None:
    assert add_working_days(date(2026, 11, 6), 3, set()) == date(2026, 11, 11)


def test_public_holidays_are_not_working_days() -> None:
    christmas = {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)}
    assert add_working_days(date(2026, 12, 23), 1, christmas) == date(2026, 12, 28)

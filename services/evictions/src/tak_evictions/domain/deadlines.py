"""When the first contact attempt is due: a number of working days after registration, on the
Swedish calendar (docs/domain.md, eviction prevention). Time is passed in, never read.

How pressing a case is today (overdue, urgent) is decided where the work list is read, in its
SQL (``projections/work_list.py``): that is the one copy of those rules.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, timedelta

import holidays


def swedish_holidays() -> Container[date]:
    """Public holidays, and the eves the law treats as Sundays (midsummer, Christmas, New
    Year's), which are no working days either (SFS 1977:480 7 §; SFS 1930:173)."""
    return holidays.country_holidays("SE", categories=(holidays.PUBLIC, holidays.DE_FACTO))


def add_working_days(start: date, days: int, holidays: Container[date]) -> date:
    """The day ``days`` working days after ``start`` (weekends and public holidays skipped)."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            days -= 1
    return current

"""The rules a case refuses to break; each says what was wrong, in which field of the command,
and how to fix it. Of the kinds in ``tak_platform.errors``: ``Invalid``, the command itself is
wrong; ``Conflict``, the case's state forbids it now; ``NotFound``, it names something the case
does not have."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from tak_platform.errors import Conflict, Invalid, NotFound


class EvictionDateBeforeRegistration(Invalid):
    def __init__(
        self, eviction_date: date, registered_on: date, field: str = "signal.eviction_date"
    ) -> None:
        super().__init__(
            f"eviction date {eviction_date} lies before the registration ({registered_on})",
            field=field,
            fix="check the date in the Enforcement Authority's decision",
        )


class NotYetHappened(Invalid):
    """A step is a fact: it is recorded when it has happened, not planned ahead."""

    def __init__(self, field: str, on: date) -> None:
        super().__init__(
            f"{field} {on} lies in the future: it has not happened yet",
            field=field,
            fix="record the step on or after the day it took place",
        )


class MissingEvictionDate(Invalid):
    def __init__(self, decision: str) -> None:
        super().__init__(
            f"{decision} needs the eviction date",
            field="eviction_date",
            fix="give the date the Enforcement Authority set",
        )


class CaseAlreadyClosed(Conflict):
    def __init__(self, case_id: UUID, outcome: str) -> None:
        super().__init__(
            f"case {case_id} is already closed ({outcome})",
            field="case_id",
            fix="a new signal about the household reopens the case",
        )


class CaseStillOpen(Conflict):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"not possible while the case is open: {what}", fix="record the execution first"
        )


class NothingToResolve(NotFound):
    def __init__(self, request_id: UUID) -> None:
        super().__init__(
            f"no emergency apartment request {request_id} on this case", field="request_id"
        )

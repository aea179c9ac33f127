"""What a coordinator (or a neighbour's event) asks of the service: one frozen command per use
case of ``EvictionsApp``. Each says who records it and when; a step on a case says which case
and, with ``If-Match``, the version it is based on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TypedDict
from uuid import UUID

from tak_evictions.domain.values import (
    ContactAttempt,
    Household,
    HousingAlternative,
    RepaymentPlan,
    Signal,
)


@dataclass(frozen=True)
class RegisterThreat:
    """A signal about a threatened tenancy (*aktualisering*)."""

    household: Household
    signal: Signal
    coordinator: str
    recorded_by: str
    now: datetime
    is_test_data: bool


@dataclass(frozen=True)
class CaseStep:
    """Which case a step is on, who records it and when, and the case version it is based on
    (None: decided on the case as it is when saved)."""

    case_id: UUID
    recorded_by: str
    now: datetime
    expected_version: int | None = None

    @property
    def who(self) -> Who:
        return {"recorded_by": self.recorded_by, "now": self.now}


class Who(TypedDict):
    """Who records a step and when: what every command of the case is given."""

    recorded_by: str
    now: datetime


@dataclass(frozen=True)
class AttemptContact:
    step: CaseStep
    attempt: ContactAttempt


@dataclass(frozen=True)
class ReferToCounselling:
    step: CaseStep
    referred_on: date


@dataclass(frozen=True)
class ConcludeCounselling:
    step: CaseStep
    outcome: str
    concluded_on: date


@dataclass(frozen=True)
class AgreeRepaymentPlan:
    step: CaseStep
    plan: RepaymentPlan


@dataclass(frozen=True)
class ContactLandlord:
    step: CaseStep
    contacted_on: date
    summary: str


@dataclass(frozen=True)
class RecordEnforcementDecision:
    step: CaseStep
    decision: str
    decided_on: date
    eviction_date: date | None


@dataclass(frozen=True)
class WriteNote:
    step: CaseStep
    text: str


@dataclass(frozen=True)
class CloseAsPrevented:
    step: CaseStep
    how: str
    closed_on: date


@dataclass(frozen=True)
class CloseAsMoved:
    step: CaseStep
    moved_to: str
    closed_on: date


@dataclass(frozen=True)
class RecordExecution:
    step: CaseStep
    executed_on: date
    children_registered: int
    children_not_registered: int
    alternative: HousingAlternative | None


CloseCase = CloseAsPrevented | CloseAsMoved | RecordExecution
"""A case closes as prevented, moved or executed."""


@dataclass(frozen=True)
class RecordHousingAlternative:
    step: CaseStep
    alternative: HousingAlternative


@dataclass(frozen=True)
class RecordEmergencyApartment:
    """Placements assigned an emergency apartment for a case's request (from its event)."""

    case_id: UUID
    request_id: UUID
    assigned_on: date
    now: datetime

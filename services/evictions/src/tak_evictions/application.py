"""``EvictionsApp``: the eviction-prevention service layer, one method per use case.

Each use case gets the case (404/410 if unknown or weeded; 409 if ``expected_version`` is
stale), lets the aggregate decide, and saves; it returns the case and the log position.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, cast
from uuid import UUID, uuid5

from eventsourcing.utils import get_topic

from tak_evictions.domain.eviction_case import EvictionCase
from tak_evictions.domain.values import (
    Child,
    Closure,
    ContactAttempt,
    Household,
    HousingAlternative,
    RepaymentPlan,
    Signal,
    Tenant,
)
from tak_platform.application import TakApplication
from tak_platform.errors import Conflict
from tak_platform.identity import normalise
from tak_platform.mapper import sealed_subjects
from tak_platform.weeding import WeededAggregate

CONCURRENT_WRITE_RETRIES = 2
"""How often a step without ``If-Match`` is decided again after a concurrent write."""
CASES = UUID("5d0f7a2e-8e3b-4b7a-9a43-3c1c2b7d9e10")


@dataclass(frozen=True)
class Registration:
    """What a signal about a threatened tenancy says."""

    household: Household
    signal: Signal
    coordinator: str
    recorded_by: str
    is_test_data: bool


@dataclass(frozen=True)
class Registered:
    """The answer to a signal: a new case, added to the open case, or the case reopened."""

    case: EvictionCase
    position: int
    outcome: str  # "opened" | "added_to_open_case" | "reopened"


@dataclass(frozen=True)
class Step:
    """A recorded step: the case after it and the position of its event."""

    case: EvictionCase
    position: int


class EvictionsApp(TakApplication):
    name = "Evictions"
    value_types: ClassVar[dict[str, type[Any]]] = {
        "evictions.tenant": Tenant,
        "evictions.child": Child,
        "evictions.signal": Signal,
        "evictions.household": Household,
        "evictions.contact": ContactAttempt,
        "evictions.plan": RepaymentPlan,
        "evictions.alternative": HousingAlternative,
        "evictions.closure": Closure,
    }

    def register_threat(self, registration: Registration, *, now: datetime) -> Registered:
        """One case per household: a second signal adds to its case or reopens it."""
        number = normalise(registration.household.tenant.personal_identity_number, today=now.date())
        tenant = Tenant(
            registration.household.tenant.name, number, registration.household.tenant.phone
        )
        household = _with_tenant(registration.household, tenant)
        household_pseudonym = self.pseudonym(number)
        case_id = self._case_id_for(household_pseudonym)
        if case_id in self.repository:
            return self._add_signal(case_id, registration, household, now)
        case = EvictionCase.register(
            district=self.district,
            household=household,
            household_pseudonym=household_pseudonym,
            signal=registration.signal,
            coordinator=registration.coordinator,
            recorded_by=registration.recorded_by,
            now=now,
            case_id=case_id,
            is_test_data=registration.is_test_data,
        )
        return self._registered(case, "opened")

    def _add_signal(
        self, case_id: UUID, registration: Registration, household: Household, now: datetime
    ) -> Registered:
        case = self.get_case(case_id)
        reopened = case.add_signal(
            registration.signal, household, recorded_by=registration.recorded_by, now=now
        )
        return self._registered(case, "reopened" if reopened else "added_to_open_case")

    def _registered(self, case: EvictionCase, outcome: str) -> Registered:
        facts = {"case_id": str(case.id), "outcome": outcome}
        return Registered(case, self.save_or_conflict(case, facts=facts), outcome)

    def _case_id_for(self, household_pseudonym: str) -> UUID:
        """The household's case in this district; after weeding, a fresh one."""
        generation = 0
        while True:
            case_id = uuid5(CASES, f"{self.district}/{household_pseudonym}/{generation}")
            if case_id not in self.repository:
                return case_id
            if not isinstance(self.repository.get(case_id), WeededAggregate):
                return case_id
            generation += 1

    def get_case(
        self, case_id: UUID, *, version: int | None = None, expected_version: int | None = None
    ) -> EvictionCase:
        return self.load(case_id, EvictionCase, version=version, expected_version=expected_version)

    def step(
        self,
        case_id: UUID,
        action: Callable[[EvictionCase], object],
        *,
        expected_version: int | None = None,
    ) -> Step:
        """Apply one step (a bound command of the case) and save it. Without an expected
        version, a step that met a concurrent write is decided again on the case as it is now."""
        retries = 0 if expected_version is not None else CONCURRENT_WRITE_RETRIES
        while True:
            case = self.get_case(case_id, expected_version=expected_version)
            action(case)
            try:
                return Step(case, self.save_or_conflict(case))
            except Conflict:
                if retries == 0:
                    raise
                retries -= 1

    def history(self, case_id: UUID) -> list[Any]:
        """Every event of the case, oldest first, as stored (the auditor's view)."""
        self.get_case(case_id)
        return list(self.events.get(case_id))

    def case_for_emergency_request(self, request_id: UUID) -> UUID | None:
        """The case whose executed eviction made the request (read from the log by topic)."""
        topic = get_topic(EvictionCase.EvictionExecuted)
        start: int | None = None
        while rows := self.recorder.select_notifications(
            start=start, limit=500, topics=[topic], inclusive_of_start=start is None
        ):
            self.keystore.load(sealed_subjects(rows))
            for row in rows:
                event = self.mapper.to_domain_event(row)
                if getattr(event, "emergency_request_id", None) == request_id:
                    return cast(UUID, row.originator_id)
            start = rows[-1].id
        return None

    def emergency_apartment_assigned(
        self, case_id: UUID, request_id: UUID, assigned_on: date, *, now: datetime
    ) -> Step | None:
        """Placements answered the request; None if that answer was recorded before."""
        case = self.get_case(case_id)
        if not case.emergency_apartment_assigned(request_id, assigned_on, now=now):
            return None
        return Step(case, self.save_or_conflict(case))


def _with_tenant(household: Household, tenant: Tenant) -> Household:
    return Household(
        tenant,
        household.address,
        household.landlord_name,
        household.landlord_contact,
        household.adults,
        household.children,
    )

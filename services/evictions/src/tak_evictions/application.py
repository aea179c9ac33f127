"""``EvictionsApp``: the eviction-prevention service layer, one method per use case.

Each use case takes its command (``tak_evictions.commands``), gets the case (404/410 if unknown
or weeded; 409 if the command's expected version is stale), lets the aggregate decide, and
saves; it answers with the case and the position of its last event in the log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError

from tak_evictions.commands import (
    AgreeRepaymentPlan,
    AttemptContact,
    CaseStep,
    CloseAsMoved,
    CloseAsPrevented,
    CloseCase,
    ConcludeCounselling,
    ContactLandlord,
    RecordEmergencyApartment,
    RecordEnforcementDecision,
    RecordHousingAlternative,
    ReferToCounselling,
    RegisterThreat,
    WriteNote,
)
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
from tak_platform.errors import Conflict, NotFound
from tak_platform.idempotency import KeyUsed
from tak_platform.identity import normalise
from tak_platform.keystore import SubjectWeededError
from tak_platform.weeding import WeededAggregate

CONCURRENT_WRITE_RETRIES = 2
"""How often a step without an expected version is decided again after a concurrent write."""
CASES = UUID("5d0f7a2e-8e3b-4b7a-9a43-3c1c2b7d9e10")
RegistrationOutcome = Literal["opened", "added_to_open_case", "reopened"]


@dataclass(frozen=True)
class ThreatRegistration:
    """What became of a signal: a new case, added to the open case, or the case reopened."""

    case: EvictionCase
    position: int
    outcome: RegistrationOutcome


@dataclass(frozen=True)
class RecordedStep:
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

    def register_threat(self, command: RegisterThreat) -> ThreatRegistration:
        """One case per household: a second signal adds to its case or reopens it."""
        tenant = command.household.tenant
        number = normalise(
            tenant.personal_identity_number,
            today=command.now.date(),
            field="tenant.personal_identity_number",
        )
        household = replace(
            command.household, tenant=replace(tenant, personal_identity_number=number)
        )
        household_pseudonym = self.pseudonym(number)
        first_id = self._case_id(household_pseudonym, 0)
        try:  # most signals are about a household without a case: no read before the save
            return self._open(first_id, command, household, household_pseudonym)
        except KeyUsed:
            raise
        except (Conflict, SubjectWeededError):  # the household has a case, or had one weeded
            pass
        case_id, existing = self._case_for(household_pseudonym)
        if existing is not None:
            return self._add_signal(existing, command, household)
        return self._open(case_id, command, household, household_pseudonym)

    def _open(
        self, case_id: UUID, command: RegisterThreat, household: Household, pseudonym: str
    ) -> ThreatRegistration:
        case = EvictionCase.register(
            district=self.district,
            household=household,
            household_pseudonym=pseudonym,
            signal=command.signal,
            coordinator=command.coordinator,
            recorded_by=command.recorded_by,
            now=command.now,
            case_id=case_id,
            is_test_data=command.is_test_data,
        )
        return self._save_registration(case, "opened")

    def _add_signal(
        self, case: EvictionCase, command: RegisterThreat, household: Household
    ) -> ThreatRegistration:
        reopened = case.add_signal(
            command.signal, household, recorded_by=command.recorded_by, now=command.now
        )
        return self._save_registration(case, "reopened" if reopened else "added_to_open_case")

    def _save_registration(
        self, case: EvictionCase, outcome: RegistrationOutcome
    ) -> ThreatRegistration:
        facts = {"case_id": str(case.id), "outcome": outcome}
        return ThreatRegistration(case, self.save_or_conflict(case, facts=facts), outcome)

    def _case_for(self, household_pseudonym: str) -> tuple[UUID, EvictionCase | None]:
        """The household's case in this district (its id and the case, or None if there is
        none yet), each read once; after weeding, a fresh id."""
        generation = 0
        while True:
            case_id = self._case_id(household_pseudonym, generation)
            try:
                case: Any = self.repository.get(case_id)
            except AggregateNotFoundError:
                return case_id, None
            if isinstance(case, EvictionCase):
                return case_id, case
            if not isinstance(case, WeededAggregate):
                raise NotFound(f"{case_id} is not an eviction case", field="id")
            generation += 1

    def _case_id(self, household_pseudonym: str, generation: int) -> UUID:
        """The id of the household's case in this district: its ``generation``-th, as each
        weeded case gives way to a new one."""
        return uuid5(CASES, f"{self.district}/{household_pseudonym}/{generation}")

    def attempt_contact(self, command: AttemptContact) -> RecordedStep:
        """A letter, a call or a home visit, and whether the household was reached."""
        return self._record_step(
            command.step, lambda case: case.attempt_contact(command.attempt, **command.step.who)
        )

    def refer_to_counselling(self, command: ReferToCounselling) -> RecordedStep:
        return self._record_step(
            command.step,
            lambda case: case.refer_to_counselling(command.referred_on, **command.step.who),
        )

    def conclude_counselling(self, command: ConcludeCounselling) -> RecordedStep:
        return self._record_step(
            command.step,
            lambda case: case.conclude_counselling(
                command.outcome, command.concluded_on, **command.step.who
            ),
        )

    def agree_repayment_plan(self, command: AgreeRepaymentPlan) -> RecordedStep:
        return self._record_step(
            command.step, lambda case: case.agree_repayment_plan(command.plan, **command.step.who)
        )

    def contact_landlord(self, command: ContactLandlord) -> RecordedStep:
        return self._record_step(
            command.step,
            lambda case: case.contact_landlord(
                command.contacted_on, command.summary, **command.step.who
            ),
        )

    def record_enforcement_decision(self, command: RecordEnforcementDecision) -> RecordedStep:
        return self._record_step(
            command.step,
            lambda case: case.record_enforcement_decision(
                command.decision, command.decided_on, command.eviction_date, **command.step.who
            ),
        )

    def write_note(self, command: WriteNote) -> RecordedStep:
        return self._record_step(
            command.step, lambda case: case.write_note(command.text, **command.step.who)
        )

    def close_case(self, command: CloseCase) -> RecordedStep:
        """Prevented, moved, or executed (an executed eviction is always recorded)."""
        return self._record_step(command.step, lambda case: _close(case, command))

    def record_housing_alternative(self, command: RecordHousingAlternative) -> RecordedStep:
        return self._record_step(
            command.step,
            lambda case: case.record_housing_alternative(command.alternative, **command.step.who),
        )

    def _record_step(
        self, step: CaseStep, decide: Callable[[EvictionCase], object]
    ) -> RecordedStep:
        """Let the case decide, and save. Without an expected version, a step that met a
        concurrent write is decided again on the case as it is now (twice at most)."""
        retries = 0 if step.expected_version is not None else CONCURRENT_WRITE_RETRIES
        while True:
            case = self.get_case(step.case_id, expected_version=step.expected_version)
            decide(case)
            try:
                return RecordedStep(case, self.save_or_conflict(case))
            except KeyUsed:
                raise
            except Conflict:
                if retries == 0:
                    raise
                retries -= 1

    def get_case(
        self,
        case_id: UUID,
        *,
        version: int | None = None,
        expected_version: int | None = None,
        history: list[Any] | None = None,
    ) -> EvictionCase:
        """The case as it is (or was, at ``version``); with ``history``, the events it was
        rebuilt from are added to that list (read once for both)."""
        return self.load(
            case_id,
            EvictionCase,
            version=version,
            expected_version=expected_version,
            history=history,
        )

    def history(self, case: EvictionCase) -> list[Any]:
        """The events that made the case as it is (or was, at its version), oldest first."""
        return list(self.events.get(case.id, lte=case.version))

    def record_emergency_apartment(self, command: RecordEmergencyApartment) -> RecordedStep | None:
        """Placements answered the case's request; None if that answer was recorded before."""
        case = self.get_case(command.case_id)
        if not case.record_emergency_apartment(
            command.request_id, command.assigned_on, now=command.now
        ):
            return None
        return RecordedStep(case, self.save_or_conflict(case))


def _close(case: EvictionCase, command: CloseCase) -> None:
    who = command.step.who
    if isinstance(command, CloseAsPrevented):
        case.close_as_prevented(command.how, command.closed_on, **who)
    elif isinstance(command, CloseAsMoved):
        case.close_as_moved(command.moved_to, command.closed_on, **who)
    else:
        case.record_execution(
            command.executed_on,
            command.children_registered,
            command.children_not_registered,
            command.alternative,
            **who,
        )

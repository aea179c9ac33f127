"""``EvictionCase``: one threatened tenancy (household at an address) in one district.

The housing coordinator (*bosamordnare*) learns of every tenant at risk of eviction
(*vräkning*) and works to keep them in their home (docs/domain.md, eviction prevention). Every
public command validates and computes, then calls one private event method that only assigns
state: replay runs that method again. Time is passed in as ``now``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from tak_evictions.domain.errors import (
    CaseAlreadyClosed,
    CaseStillOpen,
    EvictionDateBeforeRegistration,
    MissingEvictionDate,
    NothingToResolve,
    NotYetHappened,
)
from tak_evictions.domain.values import (
    Closure,
    ContactAttempt,
    EnforcementDecision,
    Household,
    HousingAlternative,
    RepaymentPlan,
    Signal,
)

OPEN, CLOSED = "open", "closed"
PREVENTED, MOVED, EXECUTED = "prevented", "moved", "executed"
REQUESTS = UUID("0b7e0a8e-5f0c-4c55-a0a4-4c2f7b1e9d31")


class CaseEvent(Aggregate.Event):
    """Every step of a case carries the household's pseudonym and the test-data flag, so what
    is published for it can say whose case (pseudonymously) without reading the case."""

    household_pseudonym: str
    is_test_data: bool


class EvictionCase(Aggregate):
    TOPIC: ClassVar[str] = "tak.evictions:EvictionCase"

    # eventsourcing defines a ``Created`` event on every aggregate class, used or not; a case is
    # created by ``Registered`` (``register``). Declared only so that its topic is pinned too.
    class Created(Aggregate.Created):
        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.Created"

    class Registered(Aggregate.Created):
        """A threat was registered from a signal (*aktualiserad*)."""

        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.Registered"
        district: str
        household: Household
        household_pseudonym: str
        signal: Signal
        coordinator: str
        recorded_by: str
        is_test_data: bool

    class SignalAdded(CaseEvent):
        """Another signal about the same household while its case is open."""

        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.SignalAdded"
        signal: Signal
        household: Household
        recorded_by: str

    class Reopened(CaseEvent):
        """A new signal about a household whose case was closed: the case opens again."""

        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.Reopened"
        signal: Signal
        household: Household
        recorded_by: str

    class ContactAttempted(CaseEvent):
        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.ContactAttempted"
        attempt: ContactAttempt
        days_since_signal: int
        recorded_by: str

    class CounsellingReferred(CaseEvent):
        """Referred to budget and debt counselling (*budget- och skuldrådgivning*)."""

        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.CounsellingReferred"
        on: date
        recorded_by: str

    class CounsellingConcluded(CaseEvent):
        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.CounsellingConcluded"
        outcome: str
        on: date
        recorded_by: str

    class RepaymentPlanAgreed(CaseEvent):
        """A repayment plan (*avbetalningsplan*) agreed with the landlord."""

        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.RepaymentPlanAgreed"
        plan: RepaymentPlan
        recorded_by: str

    class LandlordContacted(CaseEvent):
        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.LandlordContacted"
        on: date
        summary: str
        recorded_by: str

    class EnforcementDecisionRecorded(CaseEvent):
        """A decision of the Enforcement Authority (*Kronofogden*)."""

        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.EnforcementDecisionRecorded"
        decision: str
        decided_on: date
        eviction_date: date | None
        recorded_by: str

    class NoteWritten(CaseEvent):
        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.NoteWritten"
        text: str
        recorded_by: str

    class Prevented(CaseEvent):
        """Closed: the tenant stays."""

        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.Prevented"
        closure: Closure
        recorded_by: str

    class Moved(CaseEvent):
        """Closed: the household left by agreement."""

        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.Moved"
        closure: Closure
        recorded_by: str

    class EvictionExecuted(CaseEvent):
        """Closed: the eviction was carried out. Always recorded, whatever the rules say.

        With children affected and no housing alternative, the child alert opens; with
        children affected, an emergency apartment (*jourlägenhet*) is requested.
        """

        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.EvictionExecuted"
        closure: Closure
        alternative: HousingAlternative | None
        raises_alert: bool
        emergency_request_id: UUID | None
        adults: int
        recorded_by: str

    class HousingAlternativeRecorded(CaseEvent):
        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.HousingAlternativeRecorded"
        alternative: HousingAlternative
        resolves_alert: bool
        recorded_by: str

    class EmergencyApartmentAssigned(CaseEvent):
        """Placements assigned an emergency apartment for the case's request."""

        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.EmergencyApartmentAssigned"
        request_id: UUID
        assigned_on: date
        resolves_alert: bool
        recorded_by: str

    def __init__(
        self,
        district: str,
        household: Household,
        household_pseudonym: str,
        signal: Signal,
        coordinator: str,
        recorded_by: str,
        is_test_data: bool,
    ) -> None:
        self.district = district
        self.household = household
        self.household_pseudonym = household_pseudonym
        self.signals = [signal]
        self.coordinator = coordinator
        self.is_test_data = is_test_data
        self.status = OPEN
        self.registered_on = self.created_on.date()
        self.contact_attempts: list[ContactAttempt] = []
        self.repayment_plans: list[RepaymentPlan] = []
        self.closure: Closure | None = None
        self.alternative: HousingAlternative | None = None
        self.alert_open = False
        self.emergency_request_id: UUID | None = None
        self.requests_answered: set[UUID] = set()
        self.eviction_date = signal.eviction_date
        self.threat_received_on = signal.received_on

    # -- registration and signals ------------------------------------------------------------

    @classmethod
    def register(
        cls,
        *,
        district: str,
        household: Household,
        household_pseudonym: str,
        signal: Signal,
        coordinator: str,
        recorded_by: str,
        now: datetime,
        case_id: UUID,
        is_test_data: bool = False,
    ) -> EvictionCase:
        """Open a case from a signal; an eviction date cannot lie before the registration."""
        _check_eviction_date(signal, now.date())
        return cls._create(
            cls.Registered,
            id=case_id,
            timestamp=now,
            district=district,
            household=household,
            household_pseudonym=household_pseudonym,
            signal=signal,
            coordinator=coordinator,
            recorded_by=recorded_by,
            is_test_data=is_test_data,
        )

    def add_signal(
        self, signal: Signal, household: Household, *, recorded_by: str, now: datetime
    ) -> bool:
        """A further signal, with the household as it is now: added to the open case, or
        reopening a closed one as a new threat (True)."""
        _check_eviction_date(signal, now.date())
        if self.status == CLOSED:
            self._reopened(
                signal=signal, household=household, recorded_by=recorded_by, timestamp=now
            )
            return True
        self._signal_added(
            signal=signal, household=household, recorded_by=recorded_by, timestamp=now
        )
        return False

    @event(SignalAdded)
    def _signal_added(
        self, signal: Signal, household: Household, recorded_by: str, timestamp: datetime
    ) -> None:
        self.signals.append(signal)
        self.household = household
        self.eviction_date = signal.eviction_date or self.eviction_date

    @event(Reopened)
    def _reopened(
        self, signal: Signal, household: Household, recorded_by: str, timestamp: datetime
    ) -> None:
        self.signals.append(signal)
        self.household = household
        self.status, self.closure = OPEN, None  # an open child alert stays open
        self.eviction_date = signal.eviction_date
        self.registered_on = timestamp.date()
        self.threat_received_on = signal.received_on
        self.contact_attempts = []

    # -- working the case --------------------------------------------------------------------

    def attempt_contact(self, attempt: ContactAttempt, *, recorded_by: str, now: datetime) -> None:
        """A letter, a call or a home visit; whether the household was reached."""
        _happened("on", attempt.on, now)
        days = (attempt.on - self.threat_received_on).days
        self._contact_attempted(
            attempt=attempt, days_since_signal=days, recorded_by=recorded_by, timestamp=now
        )

    @event(ContactAttempted)
    def _contact_attempted(
        self,
        attempt: ContactAttempt,
        days_since_signal: int,
        recorded_by: str,
        timestamp: datetime,
    ) -> None:
        self.contact_attempts.append(attempt)

    def refer_to_counselling(self, on: date, *, recorded_by: str, now: datetime) -> None:
        _happened("on", on, now)
        self._counselling_referred(on=on, recorded_by=recorded_by, timestamp=now)

    @event(CounsellingReferred)
    def _counselling_referred(self, on: date, recorded_by: str, timestamp: datetime) -> None:
        pass  # the @event records the fact (it shows in the history); no rule reads it back

    def conclude_counselling(
        self, outcome: str, on: date, *, recorded_by: str, now: datetime
    ) -> None:
        _happened("on", on, now)
        self._counselling_concluded(outcome=outcome, on=on, recorded_by=recorded_by, timestamp=now)

    @event(CounsellingConcluded)
    def _counselling_concluded(
        self, outcome: str, on: date, recorded_by: str, timestamp: datetime
    ) -> None:
        pass  # the @event records the fact (it shows in the history); no rule reads it back

    def agree_repayment_plan(self, plan: RepaymentPlan, *, recorded_by: str, now: datetime) -> None:
        _happened("agreed_on", plan.agreed_on, now)
        self._repayment_plan_agreed(plan=plan, recorded_by=recorded_by, timestamp=now)

    @event(RepaymentPlanAgreed)
    def _repayment_plan_agreed(
        self, plan: RepaymentPlan, recorded_by: str, timestamp: datetime
    ) -> None:
        self.repayment_plans.append(plan)

    def contact_landlord(self, on: date, summary: str, *, recorded_by: str, now: datetime) -> None:
        _happened("on", on, now)
        self._landlord_contacted(on=on, summary=summary, recorded_by=recorded_by, timestamp=now)

    @event(LandlordContacted)
    def _landlord_contacted(
        self, on: date, summary: str, recorded_by: str, timestamp: datetime
    ) -> None:
        pass  # the @event records the fact (it shows in the history); no rule reads it back

    def record_enforcement_decision(
        self,
        decision: str,
        decided_on: date,
        eviction_date: date | None,
        *,
        recorded_by: str,
        now: datetime,
    ) -> None:
        """Setting or moving the eviction date needs the date; a withdrawal does not."""
        dated = decision in (
            EnforcementDecision.EVICTION_DATE_SET,
            EnforcementDecision.EVICTION_DATE_MOVED,
        )
        _happened("decided_on", decided_on, now)
        if dated and eviction_date is None:
            raise MissingEvictionDate(decision)
        if dated and eviction_date is not None and eviction_date < self.registered_on:
            raise EvictionDateBeforeRegistration(
                eviction_date, self.registered_on, field="eviction_date"
            )
        self._decision_recorded(
            decision=decision,
            decided_on=decided_on,
            eviction_date=eviction_date if dated else None,
            recorded_by=recorded_by,
            timestamp=now,
        )

    @event(EnforcementDecisionRecorded)
    def _decision_recorded(
        self,
        decision: str,
        decided_on: date,
        eviction_date: date | None,
        recorded_by: str,
        timestamp: datetime,
    ) -> None:
        if eviction_date is not None:
            self.eviction_date = eviction_date
        elif decision in (
            EnforcementDecision.APPLICATION_WITHDRAWN,
            EnforcementDecision.APPLICATION_REJECTED,
        ):
            self.eviction_date = None

    def write_note(self, text: str, *, recorded_by: str, now: datetime) -> None:
        self._note_written(text=text, recorded_by=recorded_by, timestamp=now)

    @event(NoteWritten)
    def _note_written(self, text: str, recorded_by: str, timestamp: datetime) -> None:
        pass  # the @event records the fact (it shows in the history); no rule reads it back

    # -- closing -----------------------------------------------------------------------------

    def close_as_prevented(self, how: str, on: date, *, recorded_by: str, now: datetime) -> None:
        """The tenant stays: debt paid, repayment plan, landlord withdrew, application gone."""
        self._check_open()
        _happened("on", on, now)
        self._prevented(
            closure=Closure(PREVENTED, on, prevented_how=how),
            recorded_by=recorded_by,
            timestamp=now,
        )

    @event(Prevented)
    def _prevented(self, closure: Closure, recorded_by: str, timestamp: datetime) -> None:
        self.status, self.closure = CLOSED, closure

    def close_as_moved(self, moved_to: str, on: date, *, recorded_by: str, now: datetime) -> None:
        """The household left by agreement."""
        self._check_open()
        _happened("on", on, now)
        self._moved(
            closure=Closure(MOVED, on, moved_to=moved_to), recorded_by=recorded_by, timestamp=now
        )

    @event(Moved)
    def _moved(self, closure: Closure, recorded_by: str, timestamp: datetime) -> None:
        self.status, self.closure = CLOSED, closure

    def record_execution(
        self,
        on: date,
        children_registered: int,
        children_not_registered: int,
        alternative: HousingAlternative | None,
        *,
        recorded_by: str,
        now: datetime,
    ) -> None:
        """The eviction was carried out: always recorded. No child shall be evicted without a
        housing alternative; if one is, the alert opens and stays open until one is recorded."""
        self._check_open()
        _happened("on", on, now)
        children = children_registered + children_not_registered
        closure = Closure(
            EXECUTED,
            on,
            children_registered=children_registered,
            children_not_registered=children_not_registered,
        )
        request = uuid5(REQUESTS, f"{self.id}/{self.version + 1}") if children else None
        self._executed(
            closure=closure,
            alternative=alternative,
            raises_alert=children > 0 and alternative is None,
            emergency_request_id=request,
            adults=self.household.adults,
            recorded_by=recorded_by,
            timestamp=now,
        )

    @event(EvictionExecuted)
    def _executed(
        self,
        closure: Closure,
        alternative: HousingAlternative | None,
        raises_alert: bool,
        emergency_request_id: UUID | None,
        adults: int,
        recorded_by: str,
        timestamp: datetime,
    ) -> None:
        self.status, self.closure, self.alternative = CLOSED, closure, alternative
        self.alert_open = raises_alert
        self.emergency_request_id = emergency_request_id

    def record_housing_alternative(
        self, alternative: HousingAlternative, *, recorded_by: str, now: datetime
    ) -> None:
        """The alternative given after an executed eviction; it resolves the child alert, which
        stays open until then, even if a new signal reopens the case meanwhile."""
        executed = self.closure is not None and self.closure.outcome == EXECUTED
        if not executed and not self.alert_open:
            raise CaseStillOpen("a housing alternative is recorded for an executed eviction")
        self._alternative_recorded(
            alternative=alternative,
            resolves_alert=self.alert_open,
            recorded_by=recorded_by,
            timestamp=now,
        )

    @event(HousingAlternativeRecorded)
    def _alternative_recorded(
        self,
        alternative: HousingAlternative,
        resolves_alert: bool,
        recorded_by: str,
        timestamp: datetime,
    ) -> None:
        self.alternative, self.alert_open = alternative, False

    def record_emergency_apartment(
        self, request_id: UUID, assigned_on: date, *, now: datetime
    ) -> bool:
        """Placements answered the request: the alert resolves. False if already known."""
        if request_id != self.emergency_request_id:
            raise NothingToResolve(request_id)
        if request_id in self.requests_answered:
            return False
        self._apartment_assigned(
            request_id=request_id,
            assigned_on=assigned_on,
            resolves_alert=self.alert_open,
            recorded_by="placements",
            timestamp=now,
        )
        return True

    @event(EmergencyApartmentAssigned)
    def _apartment_assigned(
        self,
        request_id: UUID,
        assigned_on: date,
        resolves_alert: bool,
        recorded_by: str,
        timestamp: datetime,
    ) -> None:
        self.requests_answered.add(request_id)
        self.alternative = HousingAlternative("emergency_apartment")
        self.alert_open = False

    # -- reading -----------------------------------------------------------------------------

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        """eventsourcing calls this for every ``@event`` method (nothing here calls it): it
        stamps each step with the household's pseudonym and the test-data flag, so that no
        command has to pass them and no step can go without them."""
        if issubclass(event_class, CaseEvent):
            kwargs |= {
                "household_pseudonym": self.household_pseudonym,
                "is_test_data": self.is_test_data,
            }
        super().trigger_event(event_class, **kwargs)

    def _check_open(self) -> None:
        if self.status == CLOSED:
            assert self.closure is not None
            raise CaseAlreadyClosed(self.id, self.closure.outcome)

    @property
    def contact_reached(self) -> bool:
        return any(a.reached for a in self.contact_attempts)

    @property
    def first_contact_attempted(self) -> bool:
        return bool(self.contact_attempts)


def _happened(field: str, on: date, now: datetime) -> None:
    if on > now.date():
        raise NotYetHappened(field, on)


def _check_eviction_date(signal: Signal, registered_on: date) -> None:
    if signal.received_on > registered_on:
        raise NotYetHappened("signal.received_on", signal.received_on)
    if signal.eviction_date is not None and signal.eviction_date < registered_on:
        raise EvictionDateBeforeRegistration(signal.eviction_date, registered_on)

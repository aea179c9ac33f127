"""Domain event → integration events: pseudonymous and coded, never personal data.

The mapping sees one domain event at a time. Steps whose facts nobody outside needs (notes,
landlord contacts, concluded counselling, further signals on an open case) publish nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import singledispatch
from typing import Any

from tak_contracts import IntegrationEvent
from tak_contracts.events import evictions as c
from tak_evictions.domain.eviction_case import EvictionCase as Case
from tak_platform.relay import Publication


def to_integration(event: Any) -> Sequence[Publication]:
    """The publications for one stored domain event (tombstones publish nothing)."""
    case_id = getattr(event, "originator_id", None)
    return [Publication(e, subject_id=str(case_id)) for e in _events(event)]


@singledispatch
def _events(event: Any) -> Sequence[IntegrationEvent]:
    return ()


def _case(event: Any) -> dict[str, Any]:
    """The fields every published case event carries (every domain event of a case has them)."""
    return {
        "case_id": event.originator_id,
        "household_pseudonym": event.household_pseudonym,
        "is_test_data": event.is_test_data,
    }


@_events.register
def _(event: Case.Registered) -> Sequence[IntegrationEvent]:
    h = event.household
    return [
        _threat(event, (h.adults, h.children_registered, h.children_not_registered), reopened=False)
    ]


def _threat(event: Any, people: tuple[int, int, int], *, reopened: bool) -> IntegrationEvent:
    signal = event.signal
    return c.EvictionThreatRegistered(
        **_case(event),
        signal=c.SignalKind(signal.kind),
        registered_on=event.timestamp.date(),
        arrears_bracket=arrears_bracket(signal.arrears_amount),
        adults=people[0],
        children_registered=people[1],
        children_not_registered=people[2],
        eviction_date_set=signal.eviction_date is not None,
        reopened=reopened,
    )


@_events.register
def _(event: Case.Reopened) -> Sequence[IntegrationEvent]:
    h = event.household
    people = (h.adults, h.children_registered, h.children_not_registered)
    return [_threat(event, people, reopened=True)]


@_events.register
def _(event: Case.ContactAttempted) -> Sequence[IntegrationEvent]:
    a = event.attempt
    return [
        c.EvictionContactAttempted(
            **_case(event),
            attempted_on=a.on,
            channel=c.ContactChannel(a.channel),
            reached=a.reached,
            days_since_signal=event.days_since_signal,
        )
    ]


@_events.register
def _(event: Case.CounsellingReferred) -> Sequence[IntegrationEvent]:
    return [c.EvictionCounsellingReferred(**_case(event), referred_on=event.on)]


@_events.register
def _(event: Case.RepaymentPlanAgreed) -> Sequence[IntegrationEvent]:
    plan = event.plan
    return [
        c.EvictionRepaymentPlanAgreed(
            **_case(event),
            agreed_on=plan.agreed_on,
            amount_bracket=arrears_bracket(plan.amount),
            instalments=plan.instalments,
        )
    ]


@_events.register
def _(event: Case.EnforcementDecisionRecorded) -> Sequence[IntegrationEvent]:
    return [
        c.EvictionEnforcementDecisionRecorded(
            **_case(event),
            decision=c.EnforcementDecision(event.decision),
            decided_on=event.decided_on,
            eviction_date_set=event.eviction_date is not None,
        )
    ]


@_events.register
def _(event: Case.Prevented) -> Sequence[IntegrationEvent]:
    closure = event.closure
    return [
        c.EvictionPrevented(
            **_case(event), prevented_on=closure.on, how=c.PreventedHow(str(closure.prevented_how))
        )
    ]


@_events.register
def _(event: Case.Moved) -> Sequence[IntegrationEvent]:
    closure = event.closure
    return [
        c.EvictionHouseholdMoved(
            **_case(event), moved_on=closure.on, moved_to=c.MovedTo(str(closure.moved_to))
        )
    ]


@_events.register
def _(event: Case.EvictionExecuted) -> Sequence[IntegrationEvent]:
    closure, alternative = event.closure, event.alternative
    kind = c.AlternativeKind(alternative.kind) if alternative else None
    children = closure.children_registered + closure.children_not_registered
    out: list[IntegrationEvent] = [
        c.EvictionExecuted(
            **_case(event),
            executed_on=closure.on,
            adults=event.adults,
            children_registered=closure.children_registered,
            children_not_registered=closure.children_not_registered,
            alternative_given=alternative is not None,
            alternative_kind=kind,
        )
    ]
    if event.raises_alert:
        out.append(
            c.ChildEvictionAlertRaised(
                **_case(event),
                raised_on=event.timestamp.date(),
                children_registered=closure.children_registered,
                children_not_registered=closure.children_not_registered,
            )
        )
    if event.emergency_request_id is not None:
        out.append(
            c.EmergencyApartmentRequested(
                **_case(event),
                request_id=event.emergency_request_id,
                requested_on=event.timestamp.date(),
                adults=event.adults,
                children=children,
                alternative_recorded=alternative is not None,
            )
        )
    return out


@_events.register
def _(event: Case.HousingAlternativeRecorded) -> Sequence[IntegrationEvent]:
    if not event.resolves_alert:
        return ()
    return [
        c.ChildEvictionAlertResolved(
            **_case(event),
            resolved_on=event.timestamp.date(),
            alternative_kind=c.AlternativeKind(event.alternative.kind),
        )
    ]


@_events.register
def _(event: Case.EmergencyApartmentAssigned) -> Sequence[IntegrationEvent]:
    if not event.resolves_alert:
        return ()
    return [
        c.ChildEvictionAlertResolved(
            **_case(event),
            resolved_on=event.assigned_on,
            alternative_kind=c.AlternativeKind.EMERGENCY_APARTMENT,
        )
    ]


def arrears_bracket(amount: Decimal | None) -> c.ArrearsBracket:
    """Rent arrears in SEK as the coded bracket that is published."""
    if not amount:
        return c.ArrearsBracket.NONE
    for limit, bracket in (
        (10_000, c.ArrearsBracket.UNDER_10K),
        (30_000, c.ArrearsBracket.FROM_10K_TO_30K),
        (60_000, c.ArrearsBracket.FROM_30K_TO_60K),
    ):
        if amount < limit:
            return bracket
    return c.ArrearsBracket.OVER_60K

"""The case's history as the API shows it: one entry per stored event, each built by its own
view below, never the stored event itself. A field added to an event is not shown until its
view says so; an event without a view cannot be shown (a test checks that each has one)."""

from __future__ import annotations

from datetime import date, datetime
from functools import singledispatch
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from tak_evictions.domain.eviction_case import EvictionCase as Case
from tak_evictions.domain.values import (
    CounsellingOutcome,
    EnforcementDecision,
    MovedTo,
    PreventedHow,
)
from tak_evictions.features.get_case.values import (
    AlternativeOut,
    ContactAttemptOut,
    HouseholdOut,
    RepaymentPlanOut,
    SignalOut,
)


class Entry(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)
    version: int = Field(description="The case's version this event made.")
    at: datetime = Field(description="When it was recorded.")
    by: str = Field(description="Who recorded it (`placements` for its assignments).")


class RegisteredEntry(Entry):
    """The threat was registered from a signal."""

    event: Literal["Registered"] = "Registered"
    coordinator: str
    signal: SignalOut
    household: HouseholdOut


class SignalAddedEntry(Entry):
    """Another signal while the case was open, with the household as it was then."""

    event: Literal["SignalAdded"] = "SignalAdded"
    signal: SignalOut
    household: HouseholdOut


class ReopenedEntry(Entry):
    """A new signal reopened the closed case."""

    event: Literal["Reopened"] = "Reopened"
    signal: SignalOut
    household: HouseholdOut


class ContactAttemptedEntry(Entry):
    event: Literal["ContactAttempted"] = "ContactAttempted"
    attempt: ContactAttemptOut
    days_since_signal: int


class CounsellingReferredEntry(Entry):
    event: Literal["CounsellingReferred"] = "CounsellingReferred"
    on: date


class CounsellingConcludedEntry(Entry):
    event: Literal["CounsellingConcluded"] = "CounsellingConcluded"
    outcome: CounsellingOutcome
    on: date


class RepaymentPlanAgreedEntry(Entry):
    event: Literal["RepaymentPlanAgreed"] = "RepaymentPlanAgreed"
    plan: RepaymentPlanOut


class LandlordContactedEntry(Entry):
    event: Literal["LandlordContacted"] = "LandlordContacted"
    on: date
    summary: str


class EnforcementDecisionRecordedEntry(Entry):
    event: Literal["EnforcementDecisionRecorded"] = "EnforcementDecisionRecorded"
    decision: EnforcementDecision
    decided_on: date
    eviction_date: date | None


class NoteWrittenEntry(Entry):
    event: Literal["NoteWritten"] = "NoteWritten"
    text: str


class PreventedEntry(Entry):
    event: Literal["Prevented"] = "Prevented"
    on: date
    how: PreventedHow


class MovedEntry(Entry):
    event: Literal["Moved"] = "Moved"
    on: date
    moved_to: MovedTo


class EvictionExecutedEntry(Entry):
    event: Literal["EvictionExecuted"] = "EvictionExecuted"
    on: date
    children_registered: int
    children_not_registered: int
    alternative: AlternativeOut | None
    raises_alert: bool = Field(description="Children evicted without a housing alternative.")
    emergency_request_id: UUID | None = Field(description="The emergency apartment requested.")


class HousingAlternativeRecordedEntry(Entry):
    event: Literal["HousingAlternativeRecorded"] = "HousingAlternativeRecorded"
    alternative: AlternativeOut
    resolves_alert: bool


class EmergencyApartmentAssignedEntry(Entry):
    event: Literal["EmergencyApartmentAssigned"] = "EmergencyApartmentAssigned"
    request_id: UUID
    assigned_on: date
    resolves_alert: bool


HistoryEntry = Annotated[
    RegisteredEntry
    | SignalAddedEntry
    | ReopenedEntry
    | ContactAttemptedEntry
    | CounsellingReferredEntry
    | CounsellingConcludedEntry
    | RepaymentPlanAgreedEntry
    | LandlordContactedEntry
    | EnforcementDecisionRecordedEntry
    | NoteWrittenEntry
    | PreventedEntry
    | MovedEntry
    | EvictionExecutedEntry
    | HousingAlternativeRecordedEntry
    | EmergencyApartmentAssignedEntry,
    Field(discriminator="event"),
]


@singledispatch
def entry(event: Any) -> HistoryEntry:
    """The history entry of one stored event of a case."""
    raise TypeError(f"no history view for {type(event).__name__}")


def _when(event: Any) -> dict[str, Any]:
    return {"version": event.originator_version, "at": event.timestamp, "by": event.recorded_by}


@entry.register
def _(event: Case.Registered) -> HistoryEntry:
    return RegisteredEntry(
        **_when(event),
        coordinator=event.coordinator,
        signal=SignalOut.model_validate(event.signal),
        household=HouseholdOut.of(event.household),
    )


@entry.register
def _(event: Case.SignalAdded) -> HistoryEntry:
    signal = SignalOut.model_validate(event.signal)
    return SignalAddedEntry(
        **_when(event), signal=signal, household=HouseholdOut.of(event.household)
    )


@entry.register
def _(event: Case.Reopened) -> HistoryEntry:
    signal = SignalOut.model_validate(event.signal)
    return ReopenedEntry(**_when(event), signal=signal, household=HouseholdOut.of(event.household))


@entry.register
def _(event: Case.ContactAttempted) -> HistoryEntry:
    return ContactAttemptedEntry(
        **_when(event),
        attempt=ContactAttemptOut.model_validate(event.attempt),
        days_since_signal=event.days_since_signal,
    )


@entry.register
def _(event: Case.CounsellingReferred) -> HistoryEntry:
    return CounsellingReferredEntry(**_when(event), on=event.on)


@entry.register
def _(event: Case.CounsellingConcluded) -> HistoryEntry:
    return CounsellingConcludedEntry(**_when(event), outcome=event.outcome, on=event.on)


@entry.register
def _(event: Case.RepaymentPlanAgreed) -> HistoryEntry:
    return RepaymentPlanAgreedEntry(
        **_when(event), plan=RepaymentPlanOut.model_validate(event.plan)
    )


@entry.register
def _(event: Case.LandlordContacted) -> HistoryEntry:
    return LandlordContactedEntry(**_when(event), on=event.on, summary=event.summary)


@entry.register
def _(event: Case.EnforcementDecisionRecorded) -> HistoryEntry:
    return EnforcementDecisionRecordedEntry(
        **_when(event),
        decision=event.decision,
        decided_on=event.decided_on,
        eviction_date=event.eviction_date,
    )


@entry.register
def _(event: Case.NoteWritten) -> HistoryEntry:
    return NoteWrittenEntry(**_when(event), text=event.text)


@entry.register
def _(event: Case.Prevented) -> HistoryEntry:
    closure = event.closure
    return PreventedEntry(**_when(event), on=closure.on, how=closure.prevented_how)


@entry.register
def _(event: Case.Moved) -> HistoryEntry:
    return MovedEntry(**_when(event), on=event.closure.on, moved_to=event.closure.moved_to)


@entry.register
def _(event: Case.EvictionExecuted) -> HistoryEntry:
    closure, alternative = event.closure, event.alternative
    return EvictionExecutedEntry(
        **_when(event),
        on=closure.on,
        children_registered=closure.children_registered,
        children_not_registered=closure.children_not_registered,
        alternative=AlternativeOut.model_validate(alternative) if alternative else None,
        raises_alert=event.raises_alert,
        emergency_request_id=event.emergency_request_id,
    )


@entry.register
def _(event: Case.HousingAlternativeRecorded) -> HistoryEntry:
    return HousingAlternativeRecordedEntry(
        **_when(event),
        alternative=AlternativeOut.model_validate(event.alternative),
        resolves_alert=event.resolves_alert,
    )


@entry.register
def _(event: Case.EmergencyApartmentAssigned) -> HistoryEntry:
    return EmergencyApartmentAssignedEntry(
        **_when(event),
        request_id=event.request_id,
        assigned_on=event.assigned_on,
        resolves_alert=event.resolves_alert,
    )

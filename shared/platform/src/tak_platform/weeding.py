"""Tombstones: what a weeded (*gallrad*) record reads back as (docs/architecture.md, write side).

``SubjectWeeded`` is a plain, unencrypted marker appended to each of a subject's aggregates
before its key is destroyed; ``Redacted`` stands in for any stored event whose key is gone.
Both rebuild a ``WeededAggregate``: a weeded record reads back as a tombstone, never an error.
An aggregate that only held someone else's data in some events (an apartment and a past
resident) is not tombstoned: it loses those events' effects (its ``forget_subject`` hook, if it
has one) and lives on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import DomainEvent


@dataclass(frozen=True)
class WeededAggregate:
    """A record whose personal data was destroyed: only its id and version remain."""

    id: UUID
    version: int
    subject_id: UUID | None
    weeded_on: datetime | None


@dataclass(frozen=True)
class SubjectWeeded(DomainEvent):
    """The record of a data subject was weeded: its key is (about to be) destroyed."""

    TOPIC: ClassVar[str] = "tak.platform:SubjectWeeded"
    contains_personal_data: ClassVar[bool] = False
    subject_id: UUID
    reason: str

    def mutate(self, aggregate: Any) -> Any:
        if _holds_another_subject(aggregate, self.subject_id):
            return _forget(aggregate, self.subject_id, self.originator_version)
        return WeededAggregate(
            self.originator_id, self.originator_version, self.subject_id, self.timestamp
        )


@dataclass(frozen=True)
class Redacted:
    """Stand-in for a stored event whose subject's key has been destroyed."""

    originator_id: UUID
    originator_version: int
    topic: str
    subject_id: UUID

    def mutate(self, aggregate: Any) -> Any:
        if _holds_another_subject(aggregate, self.subject_id):
            return _forget(aggregate, self.subject_id, self.originator_version)
        weeded_on = aggregate.weeded_on if isinstance(aggregate, WeededAggregate) else None
        return WeededAggregate(
            self.originator_id, self.originator_version, self.subject_id, weeded_on
        )


def _holds_another_subject(aggregate: Any, subject_id: UUID) -> bool:
    """A live aggregate that carried personal data of someone else (e.g. a past resident)."""
    return (
        aggregate is not None
        and not isinstance(aggregate, WeededAggregate)
        and aggregate.id != subject_id
    )


def _forget(aggregate: Any, subject_id: UUID, version: int) -> Any:
    """Only that subject's part is gone: the aggregate forgets it and lives on."""
    forget = getattr(aggregate, "forget_subject", None)
    if forget is not None:
        forget(subject_id)
    aggregate.version = version
    return aggregate

"""Tombstones: what a weeded (*gallrad*) record reads back as (DESIGN.md §2, §7).

``SubjectWeeded`` is a plain, unencrypted marker appended to each of a subject's aggregates
before its key is destroyed; ``Redacted`` stands in for any stored event whose key is gone.
Both rebuild a ``WeededAggregate``: a weeded record reads back as a tombstone, never an error.
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

    def mutate(self, aggregate: Any) -> WeededAggregate:
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

    def mutate(self, aggregate: Any) -> WeededAggregate:
        weeded_on = aggregate.weeded_on if isinstance(aggregate, WeededAggregate) else None
        return WeededAggregate(
            self.originator_id, self.originator_version, self.subject_id, weeded_on
        )

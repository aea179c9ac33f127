"""Parked events: what a read-model follower could not apply, set aside with the reason.

A follower parks an event only for an error that no retry cures (``POISON``), and in the same
transaction that moves its position past it, so an event is either applied, or parked, or
still ahead; never lost. The table is read by ``/health`` (through the follower's status) and
by whoever fixes the cause and has the events applied again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from eventsourcing.persistence import Notification
from eventsourcing.utils import TopicError

Conn = asyncpg.Connection | PoolConnectionProxy

POISON: tuple[type[Exception], ...] = (
    asyncpg.DataError,
    asyncpg.IntegrityConstraintViolationError,
    TopicError,
    LookupError,
    ValueError,
    TypeError,
)
"""What one event can raise that no retry cures: a value PostgreSQL cannot hold (a NUL in text,
a number out of range), a broken constraint, an event that cannot be decoded (an unknown topic;
a failed integrity check is a ``MapperDeserialisationError``, a ``ValueError``), a handler's bug
for that event. Everything else (the database lost, a serialization failure or deadlock, the
pool closed, the event store unreachable) is taken for transient: retried, never parked."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS parked_events (follower text NOT NULL,
    notification_id bigint NOT NULL, topic text NOT NULL, reason text NOT NULL,
    parked_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (follower, notification_id))
"""
PARK = """
INSERT INTO parked_events (follower, notification_id, topic, reason) VALUES ($1, $2, $3, $4)
ON CONFLICT (follower, notification_id) DO UPDATE SET reason = EXCLUDED.reason
RETURNING notification_id, topic, reason, parked_at
"""
PARKED = """
SELECT notification_id, topic, reason, parked_at FROM parked_events WHERE follower = $1
ORDER BY parked_at, notification_id
"""
UNPARK = "DELETE FROM parked_events WHERE follower = $1 AND notification_id = ANY($2::bigint[])"
REASON_LENGTH = 500


@dataclass(frozen=True)
class ParkedEvent:
    notification_id: int
    topic: str
    reason: str
    parked_at: datetime

    def summary(self) -> str:
        return f"notification {self.notification_id} ({self.topic}): {self.reason}"


async def park(
    conn: Conn, follower: str, notification: Notification, exc: Exception
) -> ParkedEvent:
    """Set the event aside (again: with the new reason, the first time it was parked)."""
    reason = f"{type(exc).__name__}: {exc}"[:REASON_LENGTH]
    (row,) = await conn.fetch(PARK, follower, notification.id, notification.topic, reason)
    return ParkedEvent(*row)


async def parked(conn: Conn, follower: str) -> list[ParkedEvent]:
    """The events ``follower`` set aside, oldest first."""
    return [ParkedEvent(*r) for r in await conn.fetch(PARKED, follower)]


async def unpark(conn: Conn, follower: str, ids: Sequence[int]) -> None:
    await conn.execute(UNPARK, follower, list(ids))

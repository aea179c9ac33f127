"""Which case asked for an emergency apartment: request id -> case id, an indexed read for the
consumer of placements' answers (``features/emergency_apartment_assigned/consumer.py``).

Fed by a ``tak_platform.follower.Follower`` on this service's own log: an executed eviction
that requested an apartment adds its row; a weeded case's rows leave, and a rebuild brings
none back (its events no longer read). The ids are no personal data.

A miss is believed only once the index has followed the log as far as it stood when asked:
placements answers a request only after it was published, so its case is in the log by then
(read-your-writes). If the index cannot get there in time, the lookup says so
(``EmergencyRequestsBehind``) and the consumer tries again; it never answers "not ours" early.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

import asyncpg
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from tak_evictions.application import EvictionsApp
from tak_evictions.domain.eviction_case import EvictionCase
from tak_platform.errors import Unavailable
from tak_platform.follower import Conn, Follower
from tak_platform.weeding import SubjectWeeded

NAME = "evictions.emergency_requests"
SCHEMA = """
CREATE TABLE IF NOT EXISTS emergency_requests (
    request_id uuid PRIMARY KEY, case_id uuid NOT NULL);
CREATE INDEX IF NOT EXISTS emergency_requests_case ON emergency_requests (case_id);
"""
EXECUTED, WEEDED = get_topic(EvictionCase.EvictionExecuted), get_topic(SubjectWeeded)
CATCH_UP_SECONDS = 5.0
"""How long a lookup that missed waits for the index to reach the log's head."""


class EmergencyRequestsBehind(Unavailable):
    """The index has not yet followed the log to where it stood when asked: ask again."""


async def create_schema(conn: Conn) -> None:
    await conn.execute(SCHEMA)


@dataclass(frozen=True)
class EmergencyRequestsProjection:
    """The follower's handler: reads only executed evictions and weeding markers."""

    app: EvictionsApp

    async def handle(self, conn: Conn, notifications: Sequence[Notification]) -> None:
        relevant = [n for n in notifications if n.topic in (EXECUTED, WEEDED)]
        if not relevant:
            return
        events = await asyncio.to_thread(self.app.domain_events, relevant)
        weeded = {_case_id(n) for n, event in events if isinstance(event, SubjectWeeded)}
        rows = [
            (request, _case_id(n))
            for n, event in events
            if (request := _request_of(event)) is not None and _case_id(n) not in weeded
        ]
        if weeded:
            await conn.execute(
                "DELETE FROM emergency_requests WHERE case_id = ANY($1::uuid[])", list(weeded)
            )
        if rows:
            await conn.executemany(
                "INSERT INTO emergency_requests (request_id, case_id) VALUES ($1, $2)"
                " ON CONFLICT DO NOTHING",
                rows,
            )


def _case_id(notification: Notification) -> UUID:
    return cast(UUID, notification.originator_id)


def _request_of(event: Any) -> UUID | None:
    """The request an executed eviction made (None: no children, or the key is gone)."""
    if isinstance(event, EvictionCase.EvictionExecuted):
        return event.emergency_request_id
    return None


@dataclass(frozen=True)
class EmergencyRequestsReadModel:
    """The index, and the follower that keeps it current."""

    pool: asyncpg.Pool
    follower: Follower

    async def case_of(self, request_id: UUID, *, wait: float = CATCH_UP_SECONDS) -> UUID | None:
        """The case that made the request; None if no case of this service did."""
        if (case_id := await self._indexed(request_id)) is not None:
            return case_id
        head = await asyncio.to_thread(self.follower.app.recorder.max_notification_id) or 0
        if not await self.follower.wait_for(head, wait):
            raise EmergencyRequestsBehind(
                f"the emergency-request index is at position {self.follower.status.position},"
                f" the log at {head}",
                fix="retry in a moment",
            )
        return await self._indexed(request_id)

    async def _indexed(self, request_id: UUID) -> UUID | None:
        async with self.pool.acquire() as conn:
            found = await conn.fetchval(
                "SELECT case_id FROM emergency_requests WHERE request_id = $1", request_id
            )
        return cast(UUID | None, found)

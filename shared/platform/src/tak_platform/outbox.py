"""``GET /api/outbox``: what a producer's log publishes, for ``tak audit verify`` to check.

The relay derives every event id from its notification, so the producer can say at any time
which events must be on the stream; reporting compares that with the stream and its own log.
Ids, subjects and positions only: no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tak_contracts import CloudEvent
from tak_platform.relay import Relay
from tak_platform.weeding import Redacted

MAX_POSITION = 2**62


class OutboxEvent(BaseModel):
    notification_id: int = Field(description="The position in the producer's log.")
    event_id: UUID = Field(description="The event's id (`ce-id`, `Nats-Msg-Id`).")
    subject: str = Field(description="The NATS subject it is published on.")


class OutboxPage(BaseModel):
    source: str = Field(description="The producer's `ce-source`.")
    relay_position: int = Field(description="The last notification the relay has published.")
    events: list[OutboxEvent]
    weeded: list[int] = Field(
        description="Notifications whose content was weeded: what they published cannot be "
        "derived any more, so it is not listed."
    )
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null: the log has nothing after `after`."
    )


def outbox_router(relay: Relay) -> APIRouter:
    router = APIRouter(prefix="/api/outbox", tags=["operations"])

    @router.get("", summary="What the service's log publishes (ids and subjects)")
    def outbox(
        after: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
        limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    ) -> OutboxPage:
        page = read_page(relay, after, limit)
        return OutboxPage(
            source=f"/tak/{relay.district}/{relay.service}",
            relay_position=stored_position(relay),
            events=[_listed(n, e) for n, e in page.events],
            weeded=page.weeded,
            next_after=page.last,
        )

    return router


def _listed(notification_id: int, event: CloudEvent) -> OutboxEvent:
    return OutboxEvent(
        notification_id=notification_id, event_id=event.id, subject=event.nats_subject()
    )


@dataclass(frozen=True)
class Outbox:
    """A page of what a log publishes."""

    events: list[tuple[int, CloudEvent]]
    """(notification id, event) for each event the relay publishes."""
    weeded: list[int]
    """Notifications whose content was weeded: what they published can no longer be derived."""
    last: int | None
    """The last notification read; None when there was none after the page's start."""


def read_page(relay: Relay, after: int, limit: int) -> Outbox:
    """What up to ``limit`` notifications after ``after`` publish."""
    app = relay.app
    rows = app.recorder.select_notifications(start=after, limit=limit, inclusive_of_start=False)
    decoded = app.domain_events(rows)
    weeded = [row.id for row, event in decoded if isinstance(event, Redacted)]
    events = [(row.id, e) for row, event in decoded for e in relay.publications(row, event)]
    return Outbox(events, weeded, rows[-1].id if rows else None)


def stored_position(relay: Relay) -> int:
    """The last notification the service's relay has published, from its table, so that any
    process of the service answers alike, relaying or standing by."""
    datastore = relay.app.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as curs:
        curs.execute("SELECT to_regclass('relay_position') IS NOT NULL AS present")
        row = curs.fetchone()
        if not row or not row["present"]:
            return 0
        curs.execute("SELECT notification_id FROM relay_position WHERE relay = %s", (relay.name,))
        row = curs.fetchone()
    return int(row["notification_id"]) if row else 0

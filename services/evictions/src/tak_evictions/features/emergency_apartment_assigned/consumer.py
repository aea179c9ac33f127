"""Placements answered an emergency-apartment request (*jourlägenhet*): the child alert resolves.

When a household with children is evicted, this service asks placements for an emergency
apartment (``emergency_apartment_requested``); placements answers with ``apartment_assigned``
carrying the request's id. Assignments that answer no request of this district's cases are
acknowledged and ignored. A malformed message is terminated, never retried, so it cannot stop
the consumer (reporting keeps it as a dead letter). A failure of our own (the database away)
leaves the message unacknowledged: JetStream delivers it again after ``ACK_WAIT_SECONDS``.
The case is found by the request's id in an index (``projections/emergency_requests.py``), not
by reading the log; while the index is behind, or the case changed meanwhile, the message is
delivered again shortly. The router runs on the service's one broker (``tak_platform.runtime``),
which declares its durable consumer as ``tak_platform.streams`` makes it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from faststream import AckPolicy
from faststream.nats import JStream, NatsRouter, PullSub
from faststream.nats.annotations import NatsMessage
from nats.js.api import ConsumerConfig

from tak_contracts.envelope import EnvelopeError, from_nats
from tak_contracts.events.placements import ApartmentAssigned
from tak_evictions.application import EvictionsApp
from tak_evictions.commands import RecordEmergencyApartment
from tak_evictions.projections.emergency_requests import EmergencyRequestsReadModel
from tak_evictions.settings import EvictionsSettings
from tak_platform.errors import Conflict, TakError, Unavailable
from tak_platform.streams import consumer_name, durable_explicit_consumer

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
ACK_WAIT_SECONDS = 30.0
"""An unacknowledged assignment (our failure, not the message's) is delivered again after this."""
RETRY_SOON_SECONDS = 1.0
"""When the case changed meanwhile, or the index is behind: delivered again after this."""


class AssignmentOutcome(StrEnum):
    RECORDED = "recorded"
    ALREADY_RECORDED = "already_recorded"
    NO_REQUEST = "no_request"
    NOT_OURS = "not_ours"


def consumer_config(settings: EvictionsSettings) -> ConsumerConfig:
    """The durable consumer of this district's assignments, as ``tak_platform.streams`` makes it."""
    return durable_explicit_consumer(
        consumer_name(settings.service, settings.district),
        _subject(settings),
        ack_wait=ACK_WAIT_SECONDS,
    )


def _subject(settings: EvictionsSettings) -> str:
    return ApartmentAssigned.subject(settings.district)


def assignment(headers: Mapping[str, str] | None, body: bytes) -> ApartmentAssigned:
    """The message as placements' contract; ``EnvelopeError`` if it is not one."""
    event = from_nats(headers, body).event()
    if not isinstance(event, ApartmentAssigned):
        raise EnvelopeError(f"expected {ApartmentAssigned.ce_type()}, got {event.ce_type()}")
    return event


@dataclass(frozen=True)
class AssignmentRecorder:
    """What the consumer records an assignment with: the service and the request index."""

    app: EvictionsApp
    requests: EmergencyRequestsReadModel

    async def record(self, assigned: ApartmentAssigned, now: datetime) -> AssignmentOutcome:
        """The case whose request the assignment answers records it (idempotent)."""
        if assigned.request_id is None:
            return AssignmentOutcome.NO_REQUEST
        case_id = await self.requests.case_of(assigned.request_id)
        if case_id is None:
            return AssignmentOutcome.NOT_OURS
        command = RecordEmergencyApartment(case_id, assigned.request_id, assigned.assigned_on, now)
        step = await asyncio.to_thread(self.app.record_emergency_apartment, command)
        return (
            AssignmentOutcome.RECORDED if step is not None else AssignmentOutcome.ALREADY_RECORDED
        )


def build_router(
    settings: EvictionsSettings, recorder: Callable[[], AssignmentRecorder], clock: Clock
) -> NatsRouter:
    """One durable pull consumer on this district's ``apartment_assigned`` subject.
    ``recorder`` is asked for per message: it exists once the service's read models opened."""
    router = NatsRouter()
    config = consumer_config(settings)

    @router.subscriber(
        _subject(settings),
        stream=JStream(settings.stream_name, declare=False),
        durable=config.durable_name,
        pull_sub=PullSub(batch_size=1, timeout=1.0),
        config=config,
        decoder=_undecoded,
        ack_policy=AckPolicy.MANUAL,
        no_reply=True,
        title="evictions: emergency apartment assigned",
        description="Placements answered an emergency-apartment request: the alert resolves.",
    )
    async def on_apartment_assigned(_: Any, message: NatsMessage) -> None:
        raw = message.raw_message
        try:
            assigned = assignment(raw.headers, raw.data)
        except EnvelopeError as exc:
            log.warning("terminated a malformed message on %s: %s", raw.subject, exc)
            await message.reject()
            return
        await _settle(message, recorder(), assigned, clock())

    return router


async def _settle(
    message: NatsMessage, recorder: AssignmentRecorder, assigned: ApartmentAssigned, now: datetime
) -> None:
    try:
        outcome = await recorder.record(assigned, now)
    except (Conflict, Unavailable) as exc:  # the case changed, the index is behind: again soon
        log.info("assignment for request %s retried: %s", assigned.request_id, exc)
        await message.nack(delay=RETRY_SOON_SECONDS)
        return
    except TakError as exc:  # the case cannot take it: never will
        log.warning("assignment for request %s not recorded: %s", assigned.request_id, exc)
        await message.ack()
        return
    level = logging.INFO if outcome is AssignmentOutcome.RECORDED else logging.DEBUG
    log.log(level, "assignment for request %s: %s", assigned.request_id, outcome)
    await message.ack()


async def _undecoded(message: Any, original: Any = None) -> None:
    return None  # the handler reads the raw message: a malformed body must not fail here

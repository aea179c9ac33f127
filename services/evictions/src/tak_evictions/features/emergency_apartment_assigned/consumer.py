"""Placements answered an emergency-apartment request (*jourlägenhet*): the child alert resolves.

When a household with children is evicted, this service asks placements for an emergency
apartment (``emergency_apartment_requested``); placements answers with ``apartment_assigned``
carrying the request's id. Assignments that answer no request of this district's cases are
acknowledged and ignored. A malformed message is terminated, never retried, so it cannot stop
the consumer (reporting keeps it as a dead letter). A failure of our own (the database away)
leaves the message unacknowledged: JetStream delivers it again after ``ACK_WAIT_SECONDS``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, NatsRouter, PullSub
from faststream.nats.annotations import NatsMessage
from nats.aio.client import Client

from tak_contracts.envelope import EnvelopeError, from_nats
from tak_contracts.events.placements import ApartmentAssigned
from tak_evictions.application import EvictionsApp
from tak_evictions.commands import RecordEmergencyApartment
from tak_evictions.settings import EvictionsSettings
from tak_platform.errors import Conflict, TakError
from tak_platform.runtime import Worker

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
ACK_WAIT_SECONDS = 30.0
"""An unacknowledged assignment (our failure, not the message's) is delivered again after this."""
RETRY_AFTER_CONFLICT_SECONDS = 1.0


class Outcome(StrEnum):
    RECORDED = "recorded"
    ALREADY_RECORDED = "already_recorded"
    NO_REQUEST = "no_request"
    NOT_OURS = "not_ours"


def durable_name(district: str) -> str:
    return f"evictions-{district}"


def assignment(headers: Mapping[str, str] | None, body: bytes) -> ApartmentAssigned:
    """The message as placements' contract; ``EnvelopeError`` if it is not one."""
    event = from_nats(headers, body).event()
    if not isinstance(event, ApartmentAssigned):
        raise EnvelopeError(f"expected {ApartmentAssigned.ce_type()}, got {event.ce_type()}")
    return event


async def record_assignment(
    app: EvictionsApp, assigned: ApartmentAssigned, now: datetime
) -> Outcome:
    """The case whose request the assignment answers records it (idempotent)."""
    if assigned.request_id is None:
        return Outcome.NO_REQUEST
    case_id = await asyncio.to_thread(app.case_for_emergency_request, assigned.request_id)
    if case_id is None:
        return Outcome.NOT_OURS
    command = RecordEmergencyApartment(case_id, assigned.request_id, assigned.assigned_on, now)
    step = await asyncio.to_thread(app.record_emergency_apartment, command)
    return Outcome.RECORDED if step is not None else Outcome.ALREADY_RECORDED


def build_router(settings: EvictionsSettings, app: EvictionsApp, clock: Clock) -> NatsRouter:
    """One durable pull consumer on this district's ``apartment_assigned`` subject."""
    router = NatsRouter()

    @router.subscriber(
        ApartmentAssigned.subject(settings.district),
        stream=JStream(settings.stream_name, declare=False),
        durable=durable_name(settings.district),
        pull_sub=PullSub(batch_size=1, timeout=1.0),
        config=ConsumerConfig(ack_wait=ACK_WAIT_SECONDS),
        decoder=_undecoded,
        ack_policy=AckPolicy.MANUAL,
        no_reply=True,
        title="evictions: emergency apartment assigned",
        description="Placements answered an emergency-apartment request: the alert resolves.",
    )
    async def emergency_apartment_assigned(_: Any, message: NatsMessage) -> None:
        raw = message.raw_message
        try:
            assigned = assignment(raw.headers, raw.data)
        except EnvelopeError as exc:
            log.warning("terminated a malformed message on %s: %s", raw.subject, exc)
            await message.reject()
            return
        await _settle(message, app, assigned, clock())

    return router


async def _settle(
    message: NatsMessage, app: EvictionsApp, assigned: ApartmentAssigned, now: datetime
) -> None:
    try:
        outcome = await record_assignment(app, assigned, now)
    except Conflict:  # the case changed meanwhile: read it again shortly
        await message.nack(delay=RETRY_AFTER_CONFLICT_SECONDS)
        return
    except TakError as exc:  # the case cannot take it: never will
        log.warning("assignment for request %s not recorded: %s", assigned.request_id, exc)
        await message.ack()
        return
    level = logging.INFO if outcome is Outcome.RECORDED else logging.DEBUG
    log.log(level, "assignment for request %s: %s", assigned.request_id, outcome)
    await message.ack()


async def _undecoded(message: Any, original: Any = None) -> None:
    return None  # the handler reads the raw message: a malformed body must not fail here


def build_broker(settings: EvictionsSettings, app: EvictionsApp, clock: Clock) -> NatsBroker:
    broker = NatsBroker(
        settings.nats_url.split(","),
        logger=log,
        log_level=logging.DEBUG,
        max_reconnect_attempts=-1,
    )
    broker.include_router(build_router(settings, app, clock))
    return broker


def consumer_worker(settings: EvictionsSettings, app: EvictionsApp, clock: Clock) -> Worker:
    """A runtime worker: run the consumer until the service stops."""

    async def work(_: Client, stop: asyncio.Event) -> None:
        async with build_broker(settings, app, clock) as broker:
            await broker.start()
            await stop.wait()

    return work

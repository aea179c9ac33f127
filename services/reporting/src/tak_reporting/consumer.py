"""Reporting's durable JetStream pull consumer: batches of events into the read models."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg
from faststream import AckPolicy, Context
from faststream.nats import ConsumerConfig, JStream, NatsBroker, PullSub
from faststream.nats.message import NatsBatchMessage
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy as NatsAckPolicy

from tak_reporting.projections.store import RawMessage, apply_batch
from tak_reporting.settings import ReportingSettings

log = logging.getLogger("tak_reporting.consumer")


def raw(msg: Msg) -> RawMessage:
    return RawMessage(msg.metadata.sequence.stream, msg.subject, dict(msg.headers or {}), msg.data)


async def _keep_raw(message: Any, original: Any = None) -> Any:
    return None  # bodies are read from the raw messages; a malformed body must not fail here


def in_order(settings: ReportingSettings) -> ConsumerConfig:
    """At most one batch unacknowledged: a redelivery after a crash comes before anything newer,
    so the audit copy keeps the stream's order."""
    return ConsumerConfig(
        max_ack_pending=settings.batch_size,
        ack_wait=settings.ack_wait_seconds,
        ack_policy=NatsAckPolicy.ALL,
    )


def build_broker(settings: ReportingSettings, pool: asyncpg.Pool) -> NatsBroker:
    """A broker whose one subscriber records each batch before acknowledging it."""
    broker = NatsBroker(
        settings.nats_url, logger=log, log_level=logging.DEBUG, max_reconnect_attempts=-1
    )
    stream = JStream(settings.stream_name, declare=False)

    @broker.subscriber(
        settings.subject_filter,
        stream=stream,
        durable=settings.consumer_name,
        pull_sub=PullSub(batch_size=settings.batch_size, batch=True, timeout=1.0),
        config=in_order(settings),
        decoder=_keep_raw,
        ack_policy=AckPolicy.MANUAL,
    )
    async def record(
        _: Any,
        message: NatsBatchMessage = Context("message"),  # noqa: B008
    ) -> None:
        batch = [raw(m) for m in message.raw_message]
        async with pool.acquire() as conn:
            await apply_batch(conn, settings.consumer_name, batch)
        await message.raw_message[-1].ack()  # acknowledges the whole batch (AckPolicy.ALL)

    return broker


def consumer_worker(settings: ReportingSettings, pool: asyncpg.Pool) -> Any:
    """A runtime worker: run the broker until the service stops."""

    async def work(_: Client, stop: asyncio.Event) -> None:
        broker = build_broker(settings, pool)
        async with broker:
            await broker.start()
            await stop.wait()

    return work

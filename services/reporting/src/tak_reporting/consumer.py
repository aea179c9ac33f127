"""Reporting's reader of the stream: a durable pull consumer that cannot skip
(docs/architecture.md, read side).

The position stored in reporting's database, in the same transaction as each batch, is the
truth; the durable consumer is kept in line with it:
- at start, the consumer is declared afresh to deliver from right after the stored position
  unless it stands exactly there (nothing acknowledged past it, nothing delivered unacknowledged);
- a message is applied only right after the one before it: the first of a run must be the next
  message on the stream after the position, and each delivery the next the consumer made (a fetch
  that lost messages on the way, as nats-py's can when it times out mid-batch, leaves a hole
  there); at a hole the run before it is applied and the consumer is rewound to the position;
- a batch whose database work fails is held and retried as it is, never acknowledged meanwhile;
- one acknowledgement per batch (``AckPolicy.ALL``), only after the batch has committed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, ConsumerInfo
from nats.js.errors import NotFoundError

from tak_platform.streams import durable_pull_consumer, rewind_consumer
from tak_platform.waiting import first_set
from tak_reporting.projections.store import RawMessage, apply_batch, stored_position
from tak_reporting.settings import ReportingSettings

log = logging.getLogger("tak_reporting.consumer")
RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)


def raw(msg: Msg) -> RawMessage:
    return RawMessage(msg.metadata.sequence.stream, msg.subject, dict(msg.headers or {}), msg.data)


@dataclass
class ConsumerStatus:
    position: int = 0
    rewinds: int = 0
    failures: int = 0
    """Consecutive failed attempts at the batch in hand; 0 once it commits."""
    last_error: str | None = None
    last_commit_at: float | None = None

    def report(self) -> dict[str, Any]:
        return vars(self) | {"retrying": self.failures > 0}


class Rewind(Exception):
    """The deliveries no longer follow the stored position: rewind the consumer to it."""


@dataclass
class StreamReader:
    settings: ReportingSettings
    pool: asyncpg.Pool
    status: ConsumerStatus = field(default_factory=ConsumerStatus)

    async def run(self, nc: Client, stop: asyncio.Event) -> None:
        """Read until ``stop``; each pass starts the consumer exactly after the position."""
        js = nc.jetstream()
        while not stop.is_set():
            self.status.position = await self._position()
            await self._align(js)
            try:
                await self._read(js, stop)
            except Rewind as why:
                self.status.rewinds += 1
                log.warning(
                    "rewinding consumer to stream sequence %s: %s", self.status.position, why
                )
                await rewind_consumer(js, self.settings.stream_name, self._config())

    async def _position(self) -> int:
        async with self.pool.acquire() as conn:
            return await stored_position(conn, self.settings.consumer_name)

    def _config(self) -> ConsumerConfig:
        s = self.settings
        return durable_pull_consumer(
            s.consumer_name,
            s.subject_filter,
            after=self.status.position,
            max_ack_pending=s.batch_size,
            ack_wait=s.ack_wait_seconds,
        )

    async def _align(self, js: JetStreamContext) -> None:
        """Declare the consumer afresh unless it stands exactly at the stored position."""
        try:
            info = await js.consumer_info(self.settings.stream_name, self.settings.consumer_name)
        except NotFoundError:
            info = None
        wanted = self._config()
        if info is None or not _stands_at(info, self.status.position, wanted):
            await rewind_consumer(js, self.settings.stream_name, wanted)

    async def _read(self, js: JetStreamContext, stop: asyncio.Event) -> None:
        sub = await js.pull_subscribe_bind(
            durable=self.settings.consumer_name, stream=self.settings.stream_name
        )
        last_delivery: int | None = None
        try:
            while not stop.is_set():
                msgs = await _fetch(sub, self.settings.batch_size)
                if msgs:
                    last_delivery = await self._take(js, msgs, last_delivery, stop)
        finally:
            await sub.unsubscribe()

    async def _take(
        self, js: JetStreamContext, msgs: list[Msg], last_delivery: int | None, stop: asyncio.Event
    ) -> int | None:
        """Apply the run that follows the position; acknowledge it once committed."""
        run, hole = await self._run(js, msgs, last_delivery)
        fresh = _once(m for m in run if m.metadata.sequence.stream > self.status.position)
        if fresh and not await self._apply(fresh, stop):
            return last_delivery  # stopping: nothing acknowledged, so it is delivered again
        if run:
            await run[-1].ack()
        if hole:
            raise Rewind(hole)
        return run[-1].metadata.sequence.consumer

    async def _run(
        self, js: JetStreamContext, msgs: list[Msg], last_delivery: int | None
    ) -> tuple[list[Msg], str | None]:
        """The longest prefix of ``msgs`` without a hole, and what the hole was."""
        for i, msg in enumerate(msgs):
            delivery = msg.metadata.sequence.consumer
            if last_delivery is None:
                hole = await self._first_after_position(js, msg)
            elif delivery != last_delivery + 1:
                hole = f"delivery {delivery} came after {last_delivery}: messages were lost"
            else:
                hole = None
            if hole:
                return msgs[:i], hole
            last_delivery = delivery
        return msgs, None

    async def _first_after_position(self, js: JetStreamContext, msg: Msg) -> str | None:
        seq, position = msg.metadata.sequence.stream, self.status.position
        if seq == position + 1:
            return None
        if seq <= position:
            return f"stream sequence {seq} is at or before the position {position}"
        nxt = await js.get_msg(
            self.settings.stream_name,
            seq=position + 1,
            subject=self.settings.subject_filter,
            next=True,
        )
        return None if nxt.seq == seq else f"{seq} delivered, but {nxt.seq} comes next"

    async def _apply(self, msgs: Sequence[Msg], stop: asyncio.Event) -> bool:
        """Commit the batch, retrying while the database fails; False if stopped first."""
        batch = [raw(m) for m in msgs]
        attempt = 0
        while not stop.is_set():
            try:
                async with self.pool.acquire() as conn:
                    await apply_batch(conn, self.settings.consumer_name, batch)
            except Exception as exc:  # the batch is held, reported on /health and retried
                self._failed(exc)
                await first_set(stop, timeout=RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
                attempt += 1
                continue
            self._committed(batch[-1].stream_sequence)
            return True
        return False

    def _failed(self, exc: Exception) -> None:
        self.status.failures += 1
        self.status.last_error = f"{type(exc).__name__}: {exc}"
        log.warning("batch not committed (attempt %s): %s", self.status.failures, exc)

    def _committed(self, position: int) -> None:
        self.status.position = position
        self.status.failures, self.status.last_error = 0, None
        self.status.last_commit_at = time.time()


def _once(msgs: Iterable[Msg]) -> list[Msg]:
    """Each stream sequence once: a message redelivered (its ack wait ran out while a batch was
    retried) can arrive in the same fetch as its first delivery."""
    first: dict[int, Msg] = {}
    for msg in msgs:
        first.setdefault(msg.metadata.sequence.stream, msg)
    return list(first.values())


def _stands_at(info: ConsumerInfo, position: int, wanted: ConsumerConfig) -> bool:
    c, delivered, acked = info.config, info.delivered, info.ack_floor
    return bool(
        delivered is not None
        and acked is not None
        and delivered.stream_seq == position
        and acked.stream_seq == position
        and info.num_ack_pending == 0
        and c.ack_policy == wanted.ack_policy
        and (c.filter_subject or next(iter(c.filter_subjects or []), None)) == wanted.filter_subject
        and c.max_ack_pending == wanted.max_ack_pending
        and c.ack_wait == wanted.ack_wait
    )


async def _fetch(sub: JetStreamContext.PullSubscription, batch: int) -> list[Msg]:
    """Up to ``batch`` messages; none when the stream is idle. Messages that arrive after a
    fetch gave up stay queued for the next one, on the same subscription."""
    try:
        return await sub.fetch(batch, timeout=1.0)
    except TimeoutError:  # nats-py raises its own and, mid-batch, asyncio's: both are idle
        return []


def consumer_worker(reader: StreamReader) -> Any:
    """A runtime worker: read the stream until the service stops."""

    async def work(nc: Client, stop: asyncio.Event) -> None:
        await reader.run(nc, stop)

    return work

"""The outbox relay: the event store's notification log, in order, onto JetStream
(docs/architecture.md, the relay).

It follows the service's own notification log, maps each domain event others need to
integration events, publishes them in pipelined batches, waits for every PubAck of a batch, and
only then stores the batch's position. Batches overlap: while the acks of one come back, the next
is read and decoded (in a worker thread) and published, up to ``max_pending`` unacknowledged
messages; positions are still stored strictly in log order, each only once every event up to it
is acknowledged. One instance per service holds a PostgreSQL advisory lock on a dedicated
connection; others stand by. At start-up it reads the last message it published from the
stream and resumes after it, so a restart after the dedup window repeats nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote
from uuid import UUID, uuid5

import asyncpg
import psycopg
from eventsourcing.persistence import Notification
from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from tak_contracts import CloudEvent, IntegrationEvent, subjects, wrap
from tak_platform.application import TakApplication
from tak_platform.health import Progress
from tak_platform.waiting import first_set

log = logging.getLogger(__name__)

EVENT_ID_NAMESPACE = UUID("6f1c2a59-1d0e-4c8e-9a51-7a4a3f3e2b10")
PUBLISH_DEADLINE_SECONDS = 10.0
RETRY_PAUSE_SECONDS = 0.5
POLL_SECONDS = 1.0
LINGER_SECONDS = 0.01
"""At the head, how long the relay lets news gather after a NOTIFY before it reads: under a
steady trickle of commands it publishes a few events per batch instead of one, each batch
costing a read, a thread hop and a wait for PubAcks."""
POSITION_SECONDS = 0.2
"""How often, at most, the relay writes its position while it keeps publishing; it writes it at
once when it falls idle, and when it stops. The position is where a restart resumes, not what
is true (the stream is: a restart reads what was published since), so a write saved per small
batch is a round trip saved per command."""
"""At the head, how long the relay waits for a NOTIFY before it looks at the log anyway."""
RESUME_MARGIN = timedelta(minutes=1)
MAX_PENDING = 4000
"""Publishes awaiting their PubAck, across the batches in flight (at least one batch)."""
YIELD_EVERY = 64
"""Publishes queued before the relay lets the client flush them and read acks."""


@dataclass(frozen=True)
class Publication:
    """One integration event to publish for a domain event."""

    event: IntegrationEvent
    subject_id: str
    correlationid: str | None = None


EventMapping = Callable[[Any], Sequence[Publication]]


@dataclass(frozen=True, slots=True)
class _Message:
    """An event ready to publish: its subject and headers computed off the event loop."""

    event: CloudEvent
    subject: str
    headers: dict[str, str]


@dataclass(slots=True)
class _Batch:
    """The messages of a batch of notifications up to ``position``, and their PubAcks to come."""

    position: int
    messages: list[_Message]
    futures: list[asyncio.Future[Any]] = field(default_factory=list)
    full: bool = False
    """As many notifications as the relay reads at once: more may follow right away."""

    def acked(self) -> bool:
        return all(f.done() for f in self.futures)


def event_id(district: str, service: str, notification_id: int, index: int) -> UUID:
    """The event id, derived from the producer's notification: never random per publish."""
    return uuid5(EVENT_ID_NAMESPACE, f"{district}/{service}/{notification_id}/{index}")


@dataclass
class RelayStatus:
    position: int = 0
    head: int = 0
    holds_lock: bool = False
    listening: bool = False
    nats_connected: bool = False
    published: int = 0
    last_error: str | None = None
    """The failure of the batch in hand; cleared when a batch is published."""
    unexpected_duplicates: int = 0
    """PubAcks saying ``duplicate`` for an event this relay had not published before: another
    message with its id reached the stream first (a forgery, or a second producer)."""
    last_unexpected_duplicate: str | None = None
    progress: Progress = field(default_factory=Progress)

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)

    def report(self) -> dict[str, object]:
        out = {k: v for k, v in vars(self).items() if k != "progress"} | {"lag": self.lag}
        stuck = self.progress.stuck(self.position, self.lag > 0 and self.nats_connected)
        problems = [f"relay: {self.last_error}"] if self.last_error else []
        if self.unexpected_duplicates:
            problems.append(
                f"{self.unexpected_duplicates} events were refused by the stream as duplicates"
                f" of a message this relay never published (last {self.last_unexpected_duplicate})"
            )
        stalled = f"relay stuck at {self.position} of {self.head} for {stuck}s" if stuck else None
        return out | {"problems": problems, "stuck": stalled}


@dataclass
class Relay:
    service: str
    district: str
    database_url: str
    stream: str
    app: TakApplication
    mapping: EventMapping
    batch_size: int = 500
    status: RelayStatus = field(default_factory=RelayStatus)
    _on_stream: set[UUID] = field(default_factory=set)
    _subjects: dict[str, str] = field(default_factory=dict)
    _news: asyncio.Event = field(default_factory=asyncio.Event)
    _stored: int = 0
    _stored_at: float = 0.0
    """The subject of each ``ce-type`` this relay published (all in its own district)."""
    _nc: Client | None = None

    @property
    def name(self) -> str:
        return f"tak-relay:{self.district}:{self.service}"

    def report(self) -> dict[str, object]:
        """The status for ``/health``, with NATS as it is now (not as at the last batch)."""
        self.status.nats_connected = self._nc is not None and self._nc.is_connected
        return self.status.report()

    async def run(self, nc: Client, stop: asyncio.Event) -> None:
        """Relay until ``stop`` is set; raises on a lost lock or database connection."""
        self._nc = nc
        async with await psycopg.AsyncConnection.connect(
            self.database_url, autocommit=True
        ) as conn:
            if not await self._acquire_lock(conn, stop):
                return
            await self._prepare(conn)
            listener = await self._listen()
            try:
                await self._relay(conn, nc, stop, listener)
            finally:
                self.status.listening = False
                await listener.close()

    async def _listen(self) -> asyncpg.Connection:
        """A connection that sets ``_news`` on each NOTIFY of the event store's channel as it
        arrives (asyncpg reads while idle), so that the relay at the head waits without a query."""
        conn = await asyncpg.connect(self.database_url)
        channel = getattr(self.app.recorder, "channel_name", None)
        if channel:
            await conn.add_listener(channel, lambda *_: self._news.set())
            self.status.listening = True
        return conn

    async def _acquire_lock(self, conn: psycopg.AsyncConnection[Any], stop: asyncio.Event) -> bool:
        while not stop.is_set():
            cur = await conn.execute(
                "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (self.name,)
            )
            row = await cur.fetchone()
            if row and row[0]:
                self.status.holds_lock = True
                return True
            log.info("%s: another relay holds the lock; standing by", self.name)
            await first_set(stop, timeout=1.0)
        return False

    async def _prepare(self, conn: psycopg.AsyncConnection[Any]) -> None:
        # The stored position is where to resume, not what is true: the stream is (a restart
        # reads what was published since). It need not wait for its WAL to reach disk.
        await conn.execute("SET synchronous_commit = off")
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS relay_position (relay text PRIMARY KEY,"
            " notification_id bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())"
        )

    async def _relay(
        self,
        conn: psycopg.AsyncConnection[Any],
        nc: Client,
        stop: asyncio.Event,
        listener: asyncpg.Connection,
    ) -> None:
        max_pending = max(MAX_PENDING, self.batch_size)
        js = nc.jetstream(publish_async_max_pending=max_pending)
        read = await self._resume(conn, js)
        sent: deque[_Batch] = deque()
        reading: asyncio.Task[_Batch | None] | None = self._read_after(read)
        try:
            while not stop.is_set():
                self.status.nats_connected = nc.is_connected
                batch, reading = (await reading if reading else None), None
                if batch is not None:
                    read = batch.position
                    if batch.full:  # more to come: decoded while this one publishes
                        reading = self._read_after(read)
                    while sent and _in_flight(sent) + len(batch.messages) > max_pending:
                        await self._confirm(conn, js, sent.popleft())
                    await self._send(js, batch)
                    sent.append(batch)
                    while sent and sent[0].acked():
                        await self._confirm(conn, js, sent.popleft())
                    if batch.full:
                        continue
                while sent:  # at the head: finish what is in flight, then wait for news
                    await self._confirm(conn, js, sent.popleft())
                self.status.head = max(self.status.head, read)
                await self._wait_for_news(conn, listener, stop)
                if not stop.is_set():
                    await asyncio.sleep(LINGER_SECONDS)
                reading = self._read_after(read)
            while sent:  # stopping: finish the batches in flight
                await self._confirm(conn, js, sent.popleft())
            if self._stored < self.status.position:
                await self._store_position(conn)
        except Exception:  # what is in flight lands (or times out) before a restart reads the tail
            await _settle([f for b in sent for f in b.futures])
            raise
        finally:  # the read in hand ends before the app may be closed; its outcome is moot
            if reading is not None:
                await asyncio.wait([reading])
                if not reading.cancelled():
                    reading.exception()

    def _read_after(self, after: int) -> asyncio.Task[_Batch | None]:
        """Read the batch after ``after`` in a worker thread. News is forgotten first: a
        NOTIFY from here on may be of an event this read misses, and wakes the relay again."""
        self._news.clear()
        return _in_thread(self._read, after)

    def _read(self, after: int) -> _Batch | None:
        """The next batch after ``after``, decoded and ready to publish (in a worker thread)."""
        rows = self.app.recorder.select_notifications(
            start=after, limit=self.batch_size, inclusive_of_start=False
        )
        if not rows:
            return None
        messages = [_Message(e, self._subject(e), e.headers()) for e in self._messages(rows)]
        return _Batch(rows[-1].id, messages, full=len(rows) == self.batch_size)

    def _subject(self, event: CloudEvent) -> str:
        subject = self._subjects.get(event.type)
        if subject is None:
            subject = self._subjects[event.type] = event.nats_subject()
        return subject

    async def _resume(self, conn: psycopg.AsyncConnection[Any], js: JetStreamContext) -> int:
        cur = await conn.execute(
            "SELECT notification_id, updated_at FROM relay_position WHERE relay = %s", (self.name,)
        )
        row = await cur.fetchone()
        stored, stored_at = (int(row[0]), row[1]) if row else (0, None)
        self._on_stream = await self._published_since(js, stored_at)
        self.status.position = self._stored = stored
        return stored

    async def _published_since(self, js: JetStreamContext, since: datetime | None) -> set[UUID]:
        """The ids of what this relay published since it last stored its position: a crash's
        acknowledged tail. Read from the stream (headers only), so a restart republishes what
        is missing, even a gap left by a failed publish, and repeats nothing, even after the
        dedup window."""
        subject = subjects.service_filter(self.district, self.service)
        try:
            last = await js.get_last_msg(self.stream, subject)
        except NotFoundError:
            return set()
        if since and last.time and last.time < since - RESUME_MARGIN:
            return set()  # nothing published since: no tail to read
        start = (
            ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_TIME,
                opt_start_time=since - RESUME_MARGIN,
            )
            if since
            else ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
        )
        sub = await js.subscribe(
            subject, stream=self.stream, ordered_consumer=True, config=start, headers_only=True
        )
        try:
            return await _ids_up_to(sub, last.seq or 0)
        finally:
            await sub.unsubscribe()

    def _messages(self, rows: Sequence[Notification]) -> list[CloudEvent]:
        return [
            e
            for row, event in self.app.domain_events(rows)
            for e in self.publications(row, event)
            if e.id not in self._on_stream
        ]

    def publications(self, row: Notification, domain_event: Any) -> list[CloudEvent]:
        """Every event this relay publishes for one notification, ids derived from it."""
        return [
            wrap(
                p.event,
                id=event_id(self.district, self.service, row.id, i),
                district=self.district,
                subject=p.subject_id,
                time=domain_event.timestamp,
                sequence=row.id,
                correlationid=p.correlationid,
                causationid=f"{self.service}:{row.id}",
            )
            for i, p in enumerate(self.mapping(domain_event))
        ]

    async def _send(self, js: JetStreamContext, batch: _Batch) -> None:
        """Publish the batch's messages pipelined; their PubAcks are awaited by ``_confirm``."""
        batch.futures = []
        for i, m in enumerate(batch.messages, 1):
            batch.futures.append(await js.publish_async(m.subject, m.event.data, headers=m.headers))
            if i % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let the client write them out and read acks meanwhile

    async def _confirm(
        self, conn: psycopg.AsyncConnection[Any], js: JetStreamContext, batch: _Batch
    ) -> None:
        """Wait for every PubAck of the batch; re-publish what was not acked within the deadline
        (same ids) until all are; only then store its position."""
        first_try = True
        while batch.futures:
            await _settle(batch.futures)  # most have their PubAck when the batch's turn comes
            pairs = list(zip(batch.messages, batch.futures, strict=True))
            if first_try:
                self._check_duplicates([(m.event, f) for m, f in pairs if _acked(f)])
            failed = [m for m, f in pairs if not _acked(f)]
            for f in batch.futures:
                f.cancel()  # a PubAck that never came: give its slot back (no-op once done)
            self.status.published += len(pairs) - len(failed)
            if not failed:
                break
            self.status.last_error = f"{len(failed)} publishes unacknowledged; retrying"
            log.warning("%s: %s", self.name, self.status.last_error)
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            batch.messages, first_try = failed, False
            await self._send(js, batch)
        self.status.last_error = None
        self.status.position = batch.position
        self.status.head = max(self.status.head, batch.position)
        if time.monotonic() - self._stored_at >= POSITION_SECONDS:
            await self._store_position(conn)

    def _check_duplicates(self, acked: list[tuple[CloudEvent, asyncio.Future[Any]]]) -> None:
        """A first publish answered ``duplicate``: the stream holds another message with this
        event's id, so the real event did not get on. Raised as an alarm, never ignored."""
        for event, future in acked:
            if future.result().duplicate:
                self.status.unexpected_duplicates += 1
                self.status.last_unexpected_duplicate = f"{event.id} ({event.nats_subject()})"
                log.error(
                    "%s: the stream already held a message with the id of event %s (%s), which"
                    " this relay had not published: the event is not on the stream",
                    self.name,
                    event.id,
                    event.nats_subject(),
                )

    async def _store_position(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Write the position every event up to which is acknowledged (``status.position``)."""
        position = self.status.position
        await conn.execute(
            "INSERT INTO relay_position (relay, notification_id) VALUES (%s, %s)"
            " ON CONFLICT (relay) DO UPDATE SET notification_id = EXCLUDED.notification_id,"
            " updated_at = now() WHERE relay_position.notification_id < EXCLUDED.notification_id",
            (self.name, position),
        )
        self._stored, self._stored_at = position, time.monotonic()

    async def _wait_for_news(
        self, conn: psycopg.AsyncConnection[Any], listener: asyncpg.Connection, stop: asyncio.Event
    ) -> None:
        """Until a NOTIFY since the last read, or a second (a missed one costs no more). A
        position not yet written is written once no news comes for ``POSITION_SECONDS``."""
        if listener.is_closed():
            raise ConnectionError("the relay's LISTEN connection was closed")
        if self._stored < self.status.position:
            if await first_set(self._news, stop, timeout=POSITION_SECONDS):
                return
            await self._store_position(conn)
        await first_set(self._news, stop, timeout=POLL_SECONDS)


def _acked(future: asyncio.Future[Any]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


async def _settle(futures: list[asyncio.Future[Any]]) -> None:
    unacked = [f for f in futures if not f.done()]
    if unacked:
        await asyncio.wait(unacked, timeout=PUBLISH_DEADLINE_SECONDS)


def _in_flight(sent: deque[_Batch]) -> int:
    return sum(len(b.futures) for b in sent)


def _in_thread(read: Callable[[int], _Batch | None], after: int) -> asyncio.Task[_Batch | None]:
    return asyncio.ensure_future(asyncio.to_thread(read, after))


async def _ids_up_to(sub: Any, last_seq: int) -> set[UUID]:
    """The ids up to ``last_seq``; raises if they cannot all be read (the relay restarts rather
    than republish what may be on the stream)."""
    ids: set[UUID] = set()
    while True:
        try:
            msg = await sub.next_msg(timeout=5.0)
        except NatsTimeoutError:
            raise RuntimeError(f"the stream's tail could not be read up to {last_seq}") from None
        event_id = (msg.headers or {}).get("ce-id")
        if event_id is None:
            log.error("message %s on this relay's subjects has no ce-id", msg.metadata.sequence)
        else:
            ids.add(UUID(unquote(event_id)))
        if msg.metadata.sequence.stream >= last_seq:
            return ids

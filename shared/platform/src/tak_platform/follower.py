"""Following a service's own notification log into its asyncpg read models
(docs/architecture.md, read side).

Each batch of notifications and the follower's position commit in one transaction, so a crash
never loses a batch nor applies one twice; the position row stays locked for the batch, so two
instances of a service take turns instead of applying the same batch. LISTEN on the event
store's channel wakes the follower; a poll timeout covers a missed wake-up. It needs no NATS:
read models stay current while the broker is away.

Poison never blocks: when a batch fails with an error no retry cures (``parking.POISON``), its
events are applied one by one, each in a savepoint, and exactly those that fail are parked with
the reason in the batch's transaction; the others apply and the position moves past them all.
Any other failure (the database lost, a serialization failure or deadlock, the pool closed)
rolls the whole batch back, parks nothing, is reported in ``status`` and retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import asyncpg
from eventsourcing.persistence import Notification

from tak_platform import parking
from tak_platform.application import TakApplication
from tak_platform.health import Progress
from tak_platform.parking import POISON, ParkedEvent
from tak_platform.waiting import first_set

log = logging.getLogger(__name__)

Conn = parking.Conn
Handler = Callable[[Conn, Sequence[Notification]], Awaitable[None]]
"""Applies a batch inside the follower's transaction; raising rolls back batch and position.
It must also take a single event, and an event late: a parked event is applied again after
the events that followed it."""

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS projection_position (name text PRIMARY KEY,"
    " notification_id bigint NOT NULL DEFAULT 0, updated_at timestamptz NOT NULL DEFAULT now())"
)
SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('projection_position', 0))"


@dataclass
class FollowerStatus:
    """``failures`` counts the batches failed in a row and ``last_error`` says why: a lag that
    does not shrink shows here; both clear when a batch applies. ``parked`` counts the events
    set aside, ``last_parked`` names the latest and why."""

    position: int = 0
    head: int = 0
    listening: bool = False
    failures: int = 0
    last_error: str | None = None
    parked: int = 0
    last_parked: str | None = None
    progress: Progress = field(default_factory=Progress)

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)

    def report(self) -> dict[str, object]:
        out = {k: v for k, v in vars(self).items() if k != "progress"} | {"lag": self.lag}
        problems = [f"{self.parked} events parked, last {self.last_parked}"] if self.parked else []
        if self.failures:
            problems.append(f"{self.failures} batches failed in a row: {self.last_error}")
        stuck = self.progress.stuck(self.position, self.lag > 0)
        stalled = f"stuck at {self.position} of {self.head} for {stuck}s" if stuck else None
        return out | {"problems": problems, "stuck": stalled}


@dataclass
class Follower:
    name: str
    app: TakApplication
    pool: asyncpg.Pool
    handle: Handler
    batch_size: int = 500
    poll_seconds: float = 1.0
    retry_seconds: float = 1.0
    linger_seconds: float = 0.05
    """After a wake-up, how long the follower lets news gather into one batch (one transaction
    for many events, not one each) unless a reader waits for it (``wait_for``)."""
    status: FollowerStatus = field(default_factory=FollowerStatus)
    _news: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)
    _wanted: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)
    _moved: asyncio.Condition = field(default_factory=asyncio.Condition, init=False, repr=False)

    async def run(self, stop: asyncio.Event) -> None:
        """Follow until ``stop`` is set; the batch under way finishes first."""
        while not stop.is_set():
            try:
                await self._follow(stop)
            except Exception as exc:  # rolled back, reported on /health and retried
                log.exception("follower %s failed", self.name)
                self.status.failures += 1
                self.status.last_error = f"{type(exc).__name__}: {exc}"
                await first_set(stop, timeout=self.retry_seconds)

    async def prepare(self) -> None:
        """Create the tables and this follower's row; read its position and what it parked."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(SCHEMA_LOCK)  # concurrent CREATE IF NOT EXISTS can collide
            await conn.execute(SCHEMA)
            await conn.execute(parking.SCHEMA)
            await conn.execute(
                "INSERT INTO projection_position (name) VALUES ($1) ON CONFLICT DO NOTHING",
                self.name,
            )
            position = await conn.fetchval(
                "SELECT notification_id FROM projection_position WHERE name = $1", self.name
            )
        await self._count_parked()
        await self._moved_to(int(position))

    async def catch_up(self) -> int:
        """Apply batches until the log holds no more (after ``prepare``); the position."""
        while await self.apply_batch() == self.batch_size:
            pass
        return self.status.position

    async def apply_batch(self) -> int:
        """The next batch and the new position, in one transaction; returns its size."""
        parked: list[ParkedEvent] = []
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(ASYNC_COMMIT)
            position = await self._locked_position(conn)
            rows, head = await asyncio.to_thread(self._select, position)
            self.status.head = max(self.status.head, head)  # a lag while it fails shows
            if rows:
                parked = await self._apply(conn, rows)
                await conn.execute(
                    "UPDATE projection_position SET notification_id = $2, updated_at = now()"
                    " WHERE name = $1",
                    self.name,
                    rows[-1].id,
                )
        self._committed(parked)
        await self._moved_to(rows[-1].id if rows else position)
        return len(rows)

    async def parked(self) -> list[ParkedEvent]:
        """The events this follower set aside, oldest first."""
        async with self.pool.acquire() as conn:
            return await parking.parked(conn, self.name)

    async def reapply_parked(self) -> int:
        """Apply the parked events again (after a fix: the follower does so whenever it
        starts); those that apply leave the table, the others stay with the new reason.
        Returns how many stay parked."""
        async with self.pool.acquire() as conn, conn.transaction():
            await self._locked_position(conn)
            ids = [p.notification_id for p in await parking.parked(conn, self.name)]
            rows = await asyncio.to_thread(self._select_each, ids)
            still = [p for n in rows if (p := await self._apply_one(conn, n))]
            kept = {p.notification_id for p in still}
            await parking.unpark(conn, self.name, [n.id for n in rows if n.id not in kept])
        for p in still:
            log.warning("follower %s: still cannot apply %s", self.name, p.summary())
        await self._count_parked()
        return len(still)

    async def wait_for(self, position: int, timeout: float) -> bool:
        """True once ``position`` is applied (read-your-writes); False after ``timeout``."""
        if self.status.position >= position:
            return True
        self._wanted.set()
        self._news.set()
        try:
            async with self._moved:
                await asyncio.wait_for(
                    self._moved.wait_for(lambda: self.status.position >= position), timeout
                )
        except TimeoutError:
            return False
        return True

    async def _apply(self, conn: Conn, rows: Sequence[Notification]) -> list[ParkedEvent]:
        """The batch at once; if an event in it cannot be applied, each on its own."""
        try:
            async with conn.transaction():
                await self.handle(conn, rows)
        except POISON:
            return [p for n in rows if (p := await self._apply_one(conn, n))]
        return []

    async def _apply_one(self, conn: Conn, notification: Notification) -> ParkedEvent | None:
        """The event in a savepoint; parked (in the outer transaction) if it cannot apply."""
        try:
            async with conn.transaction():
                await self.handle(conn, [notification])
        except POISON as exc:
            return await parking.park(conn, self.name, notification, exc)
        return None

    def _committed(self, parked: Sequence[ParkedEvent]) -> None:
        """After a batch committed: failures cleared, each event it parked told at ERROR."""
        self.status.failures, self.status.last_error = 0, None
        for p in parked:
            log.error("follower %s parked %s", self.name, p.summary())
            self.status.parked += 1
            self.status.last_parked = p.summary()

    async def _count_parked(self) -> None:
        parked = await self.parked()
        self.status.parked = len(parked)
        self.status.last_parked = parked[-1].summary() if parked else None

    async def _follow(self, stop: asyncio.Event) -> None:
        await self.prepare()
        await self.reapply_parked()
        listener = await self._listen()
        try:
            while not stop.is_set():
                self._news.clear()
                self._wanted.clear()
                await self.catch_up()
                await first_set(stop, self._news, timeout=self.poll_seconds)
                if self._news.is_set() and not self._wanted.is_set() and self.linger_seconds:
                    await first_set(stop, self._wanted, timeout=self.linger_seconds)
                if listener.is_closed():
                    raise ConnectionError("the LISTEN connection was closed")
        finally:
            self.status.listening = False
            await listener.close()

    async def _listen(self) -> asyncpg.Connection:
        if self.app.database_url is None:
            raise ValueError(f"follower {self.name} needs the application's PostgreSQL database")
        conn = await asyncpg.connect(self.app.database_url)
        channel = getattr(self.app.recorder, "channel_name", None)
        if channel:
            await conn.add_listener(channel, self._wake)
            self.status.listening = True
        return conn

    def _wake(self, *_: object) -> None:
        self._news.set()

    async def _locked_position(self, conn: Conn) -> int:
        position = await conn.fetchval(
            "SELECT notification_id FROM projection_position WHERE name = $1 FOR UPDATE",
            self.name,
        )
        if position is None:
            raise RuntimeError(f"follower {self.name} has no position row: call prepare() first")
        return int(position)

    def _select(self, position: int) -> tuple[Sequence[Notification], int]:
        """The batch after ``position``, and the log's head as far as it tells."""
        rows = self.app.recorder.select_notifications(
            start=position, limit=self.batch_size, inclusive_of_start=False
        )
        if len(rows) < self.batch_size:
            return rows, rows[-1].id if rows else position
        return rows, self.app.recorder.max_notification_id() or 0

    def _select_each(self, ids: Sequence[int]) -> list[Notification]:
        select = self.app.recorder.select_notifications
        return [n for i in ids for n in select(start=i, limit=1, stop=i)]

    async def _moved_to(self, position: int) -> None:
        self.status.position = position
        self.status.head = max(self.status.head, position)
        async with self._moved:
            self._moved.notify_all()


ASYNC_COMMIT = "SET LOCAL synchronous_commit = off"
"""A read model's batch commits without waiting for its WAL to reach disk: a crash may lose
the last fraction of a second of batches, rows and position together (one transaction), and
the follower applies them again from the log. Only the event store's commits must be durable."""

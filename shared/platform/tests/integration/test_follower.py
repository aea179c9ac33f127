"""The follower of a service's own log against real PostgreSQL (docs/architecture.md, read side)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Sequence

import asyncpg
import pytest
from eventsourcing.persistence import Notification
from ledger import LedgerApp, write_notes

from tak_platform.follower import Conn, Follower, FollowerStatus

pytestmark = pytest.mark.integration


class Boom(Exception):
    pass


class Seen:
    """A read model that refuses to see a notification twice (its primary key); ``poison``
    makes one notification's row one that PostgreSQL refuses, or the handler trip on it."""

    def __init__(self, fail_times: int = 0, poison: dict[int, str] | None = None) -> None:
        self.fail_times = fail_times
        self.poison = poison or {}
        self.batches: list[list[int]] = []
        self.status: FollowerStatus | None = None
        self.attempts: list[tuple[int, str | None]] = []
        """The follower's failures in a row and last error, each time it calls."""

    async def handle(self, conn: Conn, notifications: Sequence[Notification]) -> None:
        if self.status is not None:
            self.attempts.append((self.status.failures, self.status.last_error))
        await conn.executemany(
            "INSERT INTO seen (notification_id, label, size) VALUES ($1, $2, $3::bigint)",
            [self.row(n.id) for n in notifications],
        )
        if self.fail_times:
            self.fail_times -= 1
            raise Boom("the handler failed after writing")
        self.batches.append([n.id for n in notifications])

    def row(self, notification_id: int) -> tuple[int, str, int]:
        kind = self.poison.get(notification_id)
        if kind == "handler bug":
            raise KeyError(notification_id)
        label = {"nul": "a\x00b", "check": "forbidden"}.get(kind or "", "ok")
        return notification_id, label, 10**6 if kind == "out of range" else 1


class Cut(Seen):
    """Terminates its own database connection (``pg_terminate_backend``) the first time it
    is called with ``cut_at`` (``alone``: only when it is called with that event alone)."""

    def __init__(self, pool: asyncpg.Pool, cut_at: int, alone: bool = False, **poison: str) -> None:
        super().__init__(poison={int(k[1:]): v for k, v in poison.items()})
        self.pool, self.cut_at, self.alone = pool, cut_at, alone
        self.parked_before: list[int] = []

    async def handle(self, conn: Conn, notifications: Sequence[Notification]) -> None:
        self.parked_before.append(await self.pool.fetchval("SELECT count(*) FROM parked_events"))
        ids = [n.id for n in notifications]
        if self.cut_at in ids and (ids == [self.cut_at] or not self.alone):
            self.cut_at = 0
            await self.pool.execute("SELECT pg_terminate_backend($1, 5000)", conn.get_server_pid())
        await super().handle(conn, notifications)


@pytest.fixture
def ledger(make_database) -> Iterator[LedgerApp]:  # type: ignore[no-untyped-def]
    app = LedgerApp.for_database(make_database("follower"))
    yield app
    app.close()


@pytest.fixture
async def pool(ledger: LedgerApp) -> AsyncIterator[asyncpg.Pool]:
    assert ledger.database_url is not None
    pool = await asyncpg.create_pool(ledger.database_url, min_size=1, max_size=4)
    await pool.execute(
        "CREATE TABLE seen (notification_id bigint PRIMARY KEY,"
        " label text NOT NULL CHECK (label <> 'forbidden'), size smallint NOT NULL)"
    )
    yield pool
    await pool.close()


def follower(
    ledger: LedgerApp, pool: asyncpg.Pool, seen: Seen, poll: float = 1.0, retry: float = 1.0
) -> Follower:
    return Follower(
        "ledger.seen",
        ledger,
        pool,
        seen.handle,
        batch_size=100,
        poll_seconds=poll,
        retry_seconds=retry,
    )


async def seen_ids(pool: asyncpg.Pool) -> list[int]:
    return [r[0] for r in await pool.fetch("SELECT notification_id FROM seen ORDER BY 1")]


async def stored_position(pool: asyncpg.Pool) -> int:
    return int(
        await pool.fetchval(
            "SELECT notification_id FROM projection_position WHERE name = 'ledger.seen'"
        )
    )


async def until(check, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_every_event_is_applied_once_in_order_and_new_ones_wake_it_up(
    ledger: LedgerApp, pool: asyncpg.Pool
) -> None:
    write_notes(ledger, 1234)
    seen = Seen()
    subject = follower(ledger, pool, seen, poll=60.0)
    stop = asyncio.Event()
    task = asyncio.create_task(subject.run(stop))
    assert await subject.wait_for(1234, timeout=30)
    write_notes(ledger, 5)
    await until(lambda: subject.status.position == 1239)  # LISTEN, not the 60 s poll
    stop.set()
    await task
    assert await seen_ids(pool) == list(range(1, 1240))
    assert [b[0] for b in seen.batches] == [*range(1, 1235, 100), 1235]
    assert subject.status.lag == 0 and subject.status.failures == 0
    assert await stored_position(pool) == 1239


async def test_a_restarted_follower_resumes_after_its_stored_position(
    ledger: LedgerApp, pool: asyncpg.Pool
) -> None:
    write_notes(ledger, 250)
    first = follower(ledger, pool, Seen())
    await first.prepare()
    assert await first.catch_up() == 250
    write_notes(ledger, 120)
    seen = Seen()
    second = follower(ledger, pool, seen)
    await second.prepare()
    assert second.status.position == 250
    assert await second.catch_up() == 370
    assert seen.batches[0][0] == 251 and await seen_ids(pool) == list(range(1, 371))


async def test_an_exception_in_the_handler_rolls_back_the_batch_and_the_position(
    ledger: LedgerApp, pool: asyncpg.Pool
) -> None:
    write_notes(ledger, 150)
    subject = follower(ledger, pool, Seen(fail_times=1))
    await subject.prepare()
    with pytest.raises(Boom):
        await subject.apply_batch()
    assert await seen_ids(pool) == [] and await stored_position(pool) == 0
    assert subject.status.position == 0
    assert await subject.catch_up() == 150
    assert await seen_ids(pool) == list(range(1, 151))


async def test_a_failing_batch_is_reported_in_a_row_retried_and_cleared_once_it_applies(
    ledger: LedgerApp, pool: asyncpg.Pool
) -> None:
    write_notes(ledger, 30)
    seen = Seen(fail_times=2)
    subject = follower(ledger, pool, seen, retry=0.2)
    seen.status = subject.status
    stop = asyncio.Event()
    task = asyncio.create_task(subject.run(stop))
    await until(lambda: subject.status.failures == 2)
    assert subject.status.lag == 30 and "Boom" in (subject.status.last_error or "")
    assert await subject.wait_for(30, timeout=10)
    stop.set()
    await task
    assert [failures for failures, _ in seen.attempts] == [0, 1, 2]
    assert (subject.status.failures, subject.status.last_error) == (0, None)
    assert subject.status.parked == 0 and await subject.parked() == []
    assert await seen_ids(pool) == list(range(1, 31))


async def test_two_instances_take_turns_and_apply_each_batch_once(
    ledger: LedgerApp, pool: asyncpg.Pool
) -> None:
    write_notes(ledger, 2000)
    seen_by = Seen(), Seen()
    one, two = (follower(ledger, pool, seen) for seen in seen_by)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(f.run(stop)) for f in (one, two)]
    assert await one.wait_for(2000, timeout=30) and await two.wait_for(2000, timeout=30)
    stop.set()
    await asyncio.gather(*tasks)
    assert one.status.failures == two.status.failures == 0
    assert sum(len(b) for seen in seen_by for b in seen.batches) == 2000
    assert await seen_ids(pool) == list(range(1, 2001))


async def test_waiting_for_a_position_the_log_never_reaches_times_out(
    ledger: LedgerApp, pool: asyncpg.Pool
) -> None:
    write_notes(ledger, 3)
    subject = follower(ledger, pool, Seen())
    stop = asyncio.Event()
    task = asyncio.create_task(subject.run(stop))
    assert await subject.wait_for(3, timeout=10)
    assert not await subject.wait_for(4, timeout=0.2)
    stop.set()
    await task


CONNECTION_LOST = ("ConnectionDoesNotExistError", "AdminShutdownError", "InterfaceError")


async def parked_ids(subject: Follower) -> list[int]:
    return [p.notification_id for p in await subject.parked()]


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("nul", "CharacterNotInRepertoireError"),
        ("out of range", "NumericValueOutOfRangeError"),
        ("check", "CheckViolationError"),
        ("handler bug", "KeyError"),
    ],
)
async def test_an_event_that_cannot_be_applied_is_parked_and_its_neighbours_are_applied(
    ledger: LedgerApp, pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture, kind: str, error: str
) -> None:
    write_notes(ledger, 150)
    subject = follower(ledger, pool, Seen(poison={50: kind}))
    await subject.prepare()
    assert await subject.catch_up() == 150
    assert await seen_ids(pool) == [*range(1, 50), *range(51, 151)]
    assert await stored_position(pool) == 150 and subject.status.lag == 0
    (parked,) = await subject.parked()
    assert parked.notification_id == 50 and parked.topic == "tak.test:Note.Written"
    assert parked.reason.startswith(error)
    assert subject.status.parked == 1 and subject.status.failures == 0
    assert (subject.status.last_parked or "").startswith(
        f"notification 50 (tak.test:Note.Written): {error}"
    )
    (line,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "ledger.seen parked notification 50" in line.getMessage()


async def test_a_database_lost_during_a_batch_parks_nothing_and_the_batch_applies_once_back(
    ledger: LedgerApp, pool: asyncpg.Pool
) -> None:
    write_notes(ledger, 150)
    seen = Cut(pool, cut_at=120)
    subject = follower(ledger, pool, seen, retry=0.05)
    seen.status = subject.status
    stop = asyncio.Event()
    task = asyncio.create_task(subject.run(stop))
    assert await subject.wait_for(150, timeout=10)
    stop.set()
    await task
    assert [f for f, _ in seen.attempts] == [0, 0, 1]  # 1-100, 101-150 cut off, again
    assert (seen.attempts[-1][1] or "").startswith(CONNECTION_LOST)
    assert await seen_ids(pool) == list(range(1, 151)) and await subject.parked() == []
    assert await stored_position(pool) == 150
    status = subject.status
    assert (status.failures, status.last_error, status.parked) == (0, None, 0)


async def test_a_database_lost_while_a_poisoned_batch_is_applied_one_by_one_parks_nothing(
    ledger: LedgerApp, pool: asyncpg.Pool
) -> None:
    write_notes(ledger, 150)
    seen = Cut(pool, cut_at=130, alone=True, n110="nul")
    subject = follower(ledger, pool, seen, retry=0.05)
    seen.status = subject.status
    stop = asyncio.Event()
    task = asyncio.create_task(subject.run(stop))
    assert await subject.wait_for(150, timeout=10)
    stop.set()
    await task
    again = [f for f, _ in seen.attempts].index(1)  # the first call after the cut
    assert seen.attempts[again][1].startswith(CONNECTION_LOST)  # type: ignore[union-attr]
    assert set(seen.parked_before[: again + 1]) == {0}
    assert await parked_ids(subject) == [110] and subject.status.parked == 1
    assert await seen_ids(pool) == [*range(1, 110), *range(111, 151)]


async def test_a_parked_event_stays_parked_while_it_fails_and_applies_once_fixed(
    ledger: LedgerApp, pool: asyncpg.Pool
) -> None:
    write_notes(ledger, 30)
    seen = Seen(poison={10: "nul", 20: "handler bug"})
    first = follower(ledger, pool, seen)
    await first.prepare()
    await first.catch_up()
    again = follower(ledger, pool, seen, retry=0.05)
    await again.prepare()
    assert again.status.parked == 2 and (again.status.last_parked or "").endswith("KeyError: 20")
    assert await again.reapply_parked() == 2 and await parked_ids(again) == [10, 20]
    del seen.poison[10]  # the fix
    stop = asyncio.Event()
    task = asyncio.create_task(again.run(stop))  # a (re)started follower applies it
    await until(lambda: again.status.parked == 1)
    stop.set()
    await task
    assert await parked_ids(again) == [20] and 10 in await seen_ids(pool)
    seen.poison.clear()
    assert await again.reapply_parked() == 0 and await again.parked() == []
    assert await seen_ids(pool) == list(range(1, 31)) and again.status.last_parked is None

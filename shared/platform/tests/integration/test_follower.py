"""The follower of a service's own log against real PostgreSQL (DESIGN.md §5)."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import asyncpg
import pytest
from eventsourcing.persistence import Notification

from tak_platform.follower import Conn, Follower

pytestmark = pytest.mark.integration

sys.path.insert(0, str(Path(__file__).parent.parent / "support"))
from ledger import LedgerApp, write_notes  # noqa: E402


class Boom(Exception):
    pass


class Seen:
    """A read model that refuses to see a notification twice (its primary key)."""

    def __init__(self, fail_times: int = 0) -> None:
        self.fail_times = fail_times
        self.batches: list[list[int]] = []

    async def handle(self, conn: Conn, notifications: Sequence[Notification]) -> None:
        await conn.executemany(
            "INSERT INTO seen (notification_id) VALUES ($1)", [(n.id,) for n in notifications]
        )
        if self.fail_times:
            self.fail_times -= 1
            raise Boom("the handler failed after writing")
        self.batches.append([n.id for n in notifications])


@pytest.fixture
def ledger(make_database) -> Iterator[LedgerApp]:  # type: ignore[no-untyped-def]
    app = LedgerApp.for_database(make_database("follower"))
    yield app
    app.close()


@pytest.fixture
async def pool(ledger: LedgerApp) -> AsyncIterator[asyncpg.Pool]:
    assert ledger.database_url is not None
    pool = await asyncpg.create_pool(ledger.database_url, min_size=1, max_size=4)
    await pool.execute("CREATE TABLE seen (notification_id bigint PRIMARY KEY)")
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


async def test_a_failing_batch_is_reported_and_retried_until_it_applies(
    ledger: LedgerApp, pool: asyncpg.Pool
) -> None:
    write_notes(ledger, 30)
    subject = follower(ledger, pool, Seen(fail_times=2), retry=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(subject.run(stop))
    assert await subject.wait_for(30, timeout=10)
    stop.set()
    await task
    assert subject.status.failures == 2 and "Boom" in (subject.status.last_error or "")
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

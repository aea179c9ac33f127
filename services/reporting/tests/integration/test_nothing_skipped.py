"""Reporting's consumer under the faults that made it lose events: every message is counted.

Each test publishes to a real stream, runs the real consumer against real PostgreSQL, injects
one fault, and then counts: every message on the stream is in the audit copy or dead-lettered
exactly once, and nothing else is.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from nats.aio.client import Client
from nats.js.client import JetStreamContext

from tak_contracts import wrap
from tak_reporting.consumer import StreamReader
from tak_reporting.projections.store import create_schema
from tak_reporting.settings import ReportingSettings

from .conftest import publish_events, sample_event

pytestmark = pytest.mark.integration
PullSubscription = JetStreamContext.PullSubscription


@pytest.fixture
async def pool(make_database: Callable[[str], str]) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(make_database("reporting"), min_size=1, max_size=3)
    async with pool.acquire() as conn:
        await create_schema(conn)
    yield pool
    await pool.close()


@pytest.fixture
def settings(stream: str, district: str) -> ReportingSettings:
    return ReportingSettings(
        pseudonym_key="k" * 32,
        stream_name=stream,
        subject_filter=f"tak.{district}.>",
        consumer_name=f"reporting_{uuid4().hex[:8]}",
        batch_size=200,
        ack_wait_seconds=2.0,
    )


@asynccontextmanager
async def running(reader: StreamReader, nc: Client) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(reader.run(nc, stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def caught_up(pool: asyncpg.Pool, last: int) -> None:
    async def at_last() -> bool:
        return bool(
            await pool.fetchval("SELECT max(stream_sequence) >= $1 FROM consumer_position", last)
        )

    await until(at_last, f"the position to reach {last}")


async def accounted_sequences(pool: asyncpg.Pool) -> list[int]:
    """Every stream sequence reporting holds, in the audit copy or as a dead letter."""
    rows = await pool.fetch(
        "SELECT stream_sequence FROM event_log UNION ALL SELECT stream_sequence FROM dead_letters"
        " UNION ALL SELECT stream_sequence FROM duplicate_messages ORDER BY 1"
    )
    return [r[0] for r in rows]


async def test_a_fetch_that_times_out_mid_batch_loses_nothing(
    nats_client: Client,
    district: str,
    pool: asyncpg.Pool,
    settings: ReportingSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """nats-py's fetch can raise a bare asyncio.TimeoutError after the server delivered part of
    a batch: those messages are gone from the client. Here the real fetch runs and the fault is
    injected after it, dropping what it got (whole, or its second half) the way nats-py does."""
    last = await publish_events(nats_client, district, 3_000)
    real_fetch = PullSubscription.fetch
    calls = {"n": 0}

    async def lossy_fetch(self: Any, batch: int = 1, timeout: float | None = 5, **kw: Any) -> Any:
        msgs = await real_fetch(self, batch, timeout, **kw)
        calls["n"] += 1
        if calls["n"] in (2, 6):
            raise TimeoutError  # the messages fetched are dropped with it
        if calls["n"] in (4, 9) and len(msgs) > 1:
            return msgs[: len(msgs) // 2]
        return msgs

    monkeypatch.setattr(PullSubscription, "fetch", lossy_fetch)
    reader = StreamReader(settings, pool)
    async with running(reader, nats_client):
        await caught_up(pool, last)

    assert await accounted_sequences(pool) == list(range(1, last + 1))
    assert await pool.fetchval("SELECT count(DISTINCT event_id) FROM event_log") == 3_000
    assert reader.status.rewinds >= 2, "the lost deliveries must have been noticed"
    info = await nats_client.jetstream().consumer_info(settings.stream_name, settings.consumer_name)
    assert info.ack_floor.stream_seq == last


async def test_a_database_lost_mid_batch_loses_nothing(
    nats_client: Client,
    district: str,
    pool: asyncpg.Pool,
    settings: ReportingSettings,
    make_database: Callable[[str], str],
) -> None:
    """The batch in hand is held while its database connection is killed mid-insert, and
    committed once the database answers again; nothing is acknowledged before that."""
    last = await publish_events(nats_client, district, 1_000)
    locker = await pool.acquire()
    reader = StreamReader(settings, pool)
    seen_failure = False
    try:
        tx = locker.transaction()
        await tx.start()
        await locker.execute("LOCK TABLE event_log IN ACCESS EXCLUSIVE MODE")
        async with running(reader, nats_client):
            await until(lambda: _waiting_on_lock(pool), "the consumer to block on the lock")
            await pool.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            await until(lambda: _failed(reader), "the consumer to notice the lost connection")
            seen_failure = reader.status.failures > 0
            await tx.rollback()
            await caught_up(pool, last)
    finally:
        await pool.release(locker)

    assert seen_failure
    assert reader.status.failures == 0 and reader.status.last_error is None
    assert await accounted_sequences(pool) == list(range(1, last + 1))


async def _waiting_on_lock(pool: asyncpg.Pool) -> bool:
    """Asked outside the locking transaction: inside it, pg_stat_activity is a snapshot."""
    return bool(
        await pool.fetchval(
            "SELECT count(*) > 0 FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    )


async def _failed(reader: StreamReader) -> bool:
    return reader.status.failures > 0


def _valid(district: str, seq: int) -> tuple[str, bytes, dict[str, str]]:
    import random

    event = wrap(
        sample_event(random.Random(seq)),
        id=uuid4(),
        district=district,
        subject=str(uuid4()),
        time=datetime.now(UTC),
        sequence=seq,
    )
    return event.nats_subject(), event.data, event.headers()


POISONS: dict[str, Callable[[str, bytes, dict[str, str]], tuple[str, bytes, dict[str, str]]]] = {
    "district not a subject token": lambda s, b, h: (s, b, h | {"ce-district": "norr malm"}),
    "year-1 ce-time": lambda s, b, h: (s, b, h | {"ce-time": "0001-01-01T00:30:00+01:00"}),
    "NUL in the body": lambda s, b, h: (s, b.replace(b'"', b'"\\u0000', 1), h),
    "body not JSON": lambda s, b, h: (s, b"{not json", h),
    "unknown ce-type": lambda s, b, h: (s, b, h | {"ce-type": "se.tak.x.y.v1"}),
    "sequence out of range": lambda s, b, h: (s, b, h | {"ce-sequence": str(2**64)}),
    "no CloudEvents headers": lambda s, b, h: (s, b, {}),
    "id not a UUID": lambda s, b, h: (s, b, h | {"ce-id": "1"}),
}


@pytest.mark.parametrize("kind", sorted(POISONS))
async def test_one_poison_message_is_dead_lettered_alone(
    kind: str,
    nats_client: Client,
    district: str,
    pool: asyncpg.Pool,
    settings: ReportingSettings,
) -> None:
    js = nats_client.jetstream()
    for i in range(1, 22):
        subject, body, headers = _valid(district, i)
        if i == 11:
            subject, body, headers = POISONS[kind](subject, body, headers)
        last = (await js.publish(subject, body, headers=headers)).seq
    poison_seq = last - 10
    async with running(StreamReader(settings, pool), nats_client):
        await caught_up(pool, last)

    dead = await pool.fetch("SELECT stream_sequence, reason FROM dead_letters")
    assert [r["stream_sequence"] for r in dead] == [poison_seq], dead
    stored = await pool.fetch("SELECT stream_sequence FROM event_log ORDER BY 1")
    assert [r[0] for r in stored] == [s for s in range(last - 20, last + 1) if s != poison_seq]

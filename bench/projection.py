"""Benchmark: reporting's catch-up (stream -> read models) against a raw asyncpg COPY.

    python3 -m uv run python bench/projection.py [--events 100000] [--batch 500]

Starts its own nats-server and PostgreSQL (durable settings) in a temp dir, publishes N valid
CloudEvents (``EvictionThreatRegistered``) into stream TAK, then runs the reporting service's
consumer (``tak_reporting.consumer.StreamReader``) from an empty database and times it until
``consumer_position`` reaches the stream's last sequence; before it prints a figure it checks
that reporting's audit copy holds exactly as many events as the stream holds messages. In the
same run, the baseline: asyncpg ``copy_records_to_table`` of N rows (id uuid, seq bigint, data
text) with the same bodies into a scratch table, one transaction per batch, and once as a single
COPY.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, date, datetime

import asyncpg
import nats
from _common import CpuMeter, Servers, header, rate, servers
from nats.aio.client import Client

from tak_contracts import CloudEvent, wrap
from tak_contracts.events.evictions import ArrearsBracket, EvictionThreatRegistered, SignalKind
from tak_platform.database import create_database
from tak_platform.streams import declare_stream, stream_config
from tak_reporting.consumer import StreamReader
from tak_reporting.projections.store import create_schema
from tak_reporting.settings import ReportingSettings

DISTRICT = "norrmalm"
STREAM = "TAK"
TIMEOUT = 1_800.0
SIGNALS = list(SignalKind)
BRACKETS = list(ArrearsBracket)


def make_events(count: int) -> list[CloudEvent]:
    now = datetime.now(UTC)
    events = []
    for i in range(1, count + 1):
        case_id = uuid.uuid4()
        body = EvictionThreatRegistered(
            case_id=case_id,
            household_pseudonym=uuid.uuid4().hex * 2,
            signal=SIGNALS[i % len(SIGNALS)],
            registered_on=date(2026, 1, 1 + i % 28),
            arrears_bracket=BRACKETS[i % len(BRACKETS)],
            adults=1 + i % 2,
            children_registered=i % 3,
            children_not_registered=i % 2,
            is_test_data=True,
        )
        events.append(
            wrap(
                body, id=uuid.uuid4(), district=DISTRICT, subject=str(case_id), time=now, sequence=i
            )
        )
    return events


async def publish(nc: Client, events: list[CloudEvent]) -> float:
    js = nc.jetstream(publish_async_max_pending=4000)
    await declare_stream(js, stream_config(STREAM, ["tak.>"]))
    t0 = time.perf_counter()
    futures = [
        await js.publish_async(e.nats_subject(), e.data, headers=e.headers()) for e in events
    ]
    await asyncio.wait_for(js.publish_async_completed(), timeout=TIMEOUT)
    elapsed = time.perf_counter() - t0
    failed = sum(1 for f in futures if f.exception() is not None)
    if failed:
        raise RuntimeError(f"{failed} publishes failed")
    return elapsed


async def consume(
    srv: Servers, db_url: str, last_seq: int, batch: int
) -> tuple[float, CpuMeter, int]:
    """Run reporting's broker until its stored position reaches ``last_seq``."""
    settings = ReportingSettings(
        nats_url=srv.nats.url,
        database_url=srv.postgres.url,
        district=DISTRICT,
        stream_name=STREAM,
        pseudonym_key="x" * 32,
        batch_size=batch,
    )
    pool = await asyncpg.create_pool(db_url)
    try:
        async with pool.acquire() as conn:
            await create_schema(conn)
        with CpuMeter(srv) as cpu:
            t0 = time.perf_counter()
            stop = asyncio.Event()
            nc = await nats.connect(srv.nats.url)
            reader = asyncio.create_task(StreamReader(settings, pool).run(nc, stop))
            try:
                position = 0
                while position < last_seq:
                    if time.perf_counter() - t0 > TIMEOUT:
                        raise TimeoutError(f"consumer at {position} after {TIMEOUT} s")
                    await asyncio.sleep(0.02)
                    position = (
                        await pool.fetchval(
                            "SELECT stream_sequence FROM consumer_position WHERE consumer = $1",
                            settings.consumer_name,
                        )
                        or 0
                    )
                elapsed = time.perf_counter() - t0
            finally:
                stop.set()
                await reader
                await nc.drain()
        logged = await pool.fetchval("SELECT count(*) FROM event_log")
        dead = await pool.fetchval("SELECT count(*) FROM dead_letters")
        if dead:
            raise RuntimeError(f"{dead} dead letters: the benchmark's events should be valid")
        return elapsed, cpu, int(logged)
    finally:
        await pool.close()


async def copy_baseline(
    srv: Servers, db_url: str, events: list[CloudEvent], batch: int
) -> tuple[float, CpuMeter, float]:
    """COPY the same bodies: one transaction per ``batch`` rows, then one single COPY."""
    rows = [(e.id, i, e.data.decode()) for i, e in enumerate(events, 1)]
    conn = await asyncpg.connect(db_url)
    try:
        await conn.execute("CREATE TABLE scratch (id uuid, seq bigint, data text)")
        with CpuMeter(srv) as cpu:
            t0 = time.perf_counter()
            for start in range(0, len(rows), batch):
                await conn.copy_records_to_table(
                    "scratch", records=rows[start : start + batch], columns=["id", "seq", "data"]
                )
            batched = time.perf_counter() - t0
        await conn.execute("TRUNCATE scratch")
        t0 = time.perf_counter()
        await conn.copy_records_to_table("scratch", records=rows, columns=["id", "seq", "data"])
        single = time.perf_counter() - t0
        return batched, cpu, single
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500, help="the consumer's batch_size")
    args = parser.parse_args()
    n, batch = args.events, args.batch
    print(header(f"projection benchmark: {n:,} events, consumer batch_size {batch}"), flush=True)
    events = make_events(n)
    size = len(events[0].data) + sum(len(k) + len(v) + 4 for k, v in events[0].headers().items())
    with servers() as srv:
        nc = await nats.connect(srv.nats.url)
        try:
            published = await publish(nc, events)
            last_seq = (await nc.jetstream().stream_info(STREAM)).state.last_seq
        finally:
            await nc.drain()
        print(f"publish into {STREAM} (publish_async pipelined): {rate(n, published)}", flush=True)
        if last_seq != n:
            raise RuntimeError(f"the stream holds {last_seq} messages, expected {n}")
        db_url = create_database(srv.postgres.url, "tak_reporting")
        consumed, consume_cpu, logged = await consume(srv, db_url, last_seq, batch)
        scratch_url = create_database(srv.postgres.url, "scratch")
        copied, copy_cpu, single = await copy_baseline(srv, scratch_url, events, batch)
    if logged != last_seq:
        raise RuntimeError(f"event_log holds {logged} events, the stream {last_seq} messages")
    print()
    print(f"reporting consumer (batch_size {batch}, from empty):   {rate(n, consumed)}")
    print(f"asyncpg copy_records_to_table, {batch} rows per txn:  {rate(n, copied)}")
    print(f"asyncpg copy_records_to_table, one {n:,}-row COPY: {rate(n, single)}")
    print(
        f"ratio consumer/copy ({batch} per txn): {copied / consumed:.3f}"
        f"   (message ~{size} bytes incl. headers)"
    )
    print(f"consumer {consume_cpu.line()}")
    print(f"copy     {copy_cpu.line()}")


if __name__ == "__main__":
    asyncio.run(main())

"""Benchmark: the outbox relay (event store -> JetStream) against raw pipelined publishing.

    python3 -m uv run python bench/relay.py [--events 100000] [--batch 500]

Starts its own nats-server and PostgreSQL (durable settings) in a temp dir, fills the ledger
test app's event store with N one-event aggregates (1,000 per save), then times
``tak_platform.relay.Relay`` from start until its stored position reaches N. Then, with the
relay idle at the head, the latency of single events: one note saved at a time, timed from
before ``app.save`` until the relay has its PubAck. The stream is checked (every event once, in
log order) and so is the stored position before a figure is printed. In the same run, the
baseline: nats-py ``publish_async`` of N messages of the same subject length, headers and body
(unique ``Nats-Msg-Id``), with the relay's limit of pending publishes and letting the client
flush as often as the relay does, all acks awaited, into a second stream on the same server.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

import nats
import psycopg
from _common import CpuMeter, Servers, header, rate, servers
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig

from tak_platform.database import create_database
from tak_platform.relay import MAX_PENDING, YIELD_EVERY, Relay
from tak_platform.streams import declare_stream, stream_config

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "shared/platform/tests/support"))
from ledger import LedgerApp, write_notes
from ledger import to_integration as ledger_mapping

DISTRICT = "norrmalm"
SERVICE = "intake"  # the ledger maps its notes to intake's PersonRegistered
STREAM = "TAK"
RAW_STREAM = "RAW"  # subjects raw.> : the same length as tak.>
PER_SAVE = 1_000
TIMEOUT = 1_800.0
SINGLES = 20
"""Single events saved one at a time, with the relay idle, to time save -> PubAck."""


def fill(url: str, count: int) -> float:
    app = LedgerApp.for_database(url)
    try:
        t0 = time.perf_counter()
        write_notes(app, count, per_save=PER_SAVE)
        return time.perf_counter() - t0
    finally:
        app.close()


async def run_relay(
    srv: Servers, url: str, count: int, batch: int
) -> tuple[float, CpuMeter, list[float]]:
    """A fresh app (cold key cache, as after a restart) and a relay; seconds until position N,
    then the latencies of single events saved while it waits at the head."""
    app = LedgerApp.for_database(url)
    nc = await nats.connect(srv.nats.url)
    try:
        await declare_stream(nc.jetstream(), stream_config(STREAM, ["tak.>"]))
        relay = Relay(
            service=SERVICE,
            district=DISTRICT,
            database_url=url,
            stream=STREAM,
            app=app,
            mapping=ledger_mapping,
            batch_size=batch,
        )
        stop = asyncio.Event()
        with CpuMeter(srv) as cpu:
            t0 = time.perf_counter()
            task = asyncio.create_task(relay.run(nc, stop))
            while relay.status.position < count:
                if task.done():
                    task.result()
                    raise RuntimeError("relay stopped before reaching the end")
                if time.perf_counter() - t0 > TIMEOUT:
                    raise TimeoutError(f"relay at {relay.status.position} after {TIMEOUT} s")
                await asyncio.sleep(0.005)
            elapsed = time.perf_counter() - t0
        latencies = [await single_event(app, relay) for _ in range(SINGLES)]
        stop.set()
        await asyncio.wait_for(task, timeout=30)
        await check_stream(nc, count + SINGLES)
        if relay.status.position != count + SINGLES or stored_position(url) != count + SINGLES:
            raise RuntimeError(f"position {relay.status.position}, expected {count + SINGLES}")
        return elapsed, cpu, latencies
    finally:
        await nc.drain()
        app.close()


async def single_event(app: LedgerApp, relay: Relay) -> float:
    """Seconds from before saving one note until the relay has its PubAck."""
    await asyncio.sleep(0.2)  # the relay is back to waiting for news
    published = relay.status.published
    t0 = time.perf_counter()
    await asyncio.to_thread(write_notes, app, 1)
    while relay.status.published == published:
        if time.perf_counter() - t0 > 30:
            raise TimeoutError("a single event was not published within 30 s")
        await asyncio.sleep(0.0005)
    return time.perf_counter() - t0


async def check_stream(nc: Client, total: int) -> None:
    """The stream holds ``total`` messages: notifications 1..total in log order, distinct ids."""
    js = nc.jetstream()
    info = await js.stream_info(STREAM)
    if info.state.messages != total:
        raise RuntimeError(f"stream {STREAM} holds {info.state.messages}, expected {total}")
    config = ConsumerConfig(headers_only=True, ack_policy=AckPolicy.NONE)
    sub = await js.pull_subscribe("tak.>", stream=STREAM, config=config)
    sequences: list[int] = []
    ids: set[str] = set()
    try:
        while len(sequences) < total:
            for msg in await sub.fetch(1_000, timeout=10):
                headers = msg.headers or {}
                sequences.append(int(headers["ce-sequence"]))
                ids.add(headers["Nats-Msg-Id"])
    finally:
        await sub.unsubscribe()
    if sequences != list(range(1, total + 1)) or len(ids) != total:
        raise RuntimeError(f"stream {STREAM} is not notifications 1..{total} once each, in order")


def stored_position(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT max(notification_id) FROM relay_position").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


async def sample_message(nc: Client) -> tuple[str, bytes, dict[str, str]]:
    msg = await nc.jetstream().get_msg(STREAM, 1)
    return msg.subject or "", msg.data or b"", dict(msg.headers or {})


async def run_raw(srv: Servers, count: int, batch: int) -> tuple[float, CpuMeter, int]:
    """Pipelined publish_async of ``count`` relay-sized messages; seconds until all acked."""
    nc = await nats.connect(srv.nats.url)
    try:
        subject, body, template = await sample_message(nc)
        subject = "raw." + subject.removeprefix("tak.")
        size = len(subject) + len(body) + sum(len(k) + len(v) + 4 for k, v in template.items())
        headers = [template | {"Nats-Msg-Id": str(uuid.uuid4())} for _ in range(count)]
        js = nc.jetstream(publish_async_max_pending=max(MAX_PENDING, batch))
        await declare_stream(js, stream_config(RAW_STREAM, ["raw.>"]))
        with CpuMeter(srv) as cpu:
            t0 = time.perf_counter()
            futures = []
            for i, h in enumerate(headers, 1):
                futures.append(await js.publish_async(subject, body, headers=h))
                if i % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # as the relay does: the client flushes meanwhile
            await asyncio.wait_for(js.publish_async_completed(), timeout=TIMEOUT)
            elapsed = time.perf_counter() - t0
        failed = sum(1 for f in futures if f.exception() is not None)
        info = await js.stream_info(RAW_STREAM)
        if failed or info.state.messages != count:
            raise RuntimeError(f"{failed} publishes failed; stream holds {info.state.messages}")
        return elapsed, cpu, size
    finally:
        await nc.drain()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500, help="the relay's batch_size")
    args = parser.parse_args()
    n, batch = args.events, args.batch
    print(header(f"relay benchmark: {n:,} events, relay batch_size {batch}"), flush=True)
    with servers() as srv:
        url = create_database(srv.postgres.url, "ledger")
        filled = await asyncio.to_thread(fill, url, n)
        print(
            f"fill (ledger app.save of {PER_SAVE:,} aggregates per call): {rate(n, filled)}",
            flush=True,
        )
        relay_s, relay_cpu, latencies = await run_relay(srv, url, n, batch)
        raw_s, raw_cpu, size = await run_raw(srv, n, batch)
    pending = max(MAX_PENDING, batch)
    ms = sorted(1000 * s for s in latencies)
    print()
    print(f"relay (Relay.run, batch_size {batch}, cold key cache):  {rate(n, relay_s)}")
    print(f"raw   (js.publish_async pipelined, max {pending} pending): {rate(n, raw_s)}")
    print(f"ratio relay/raw: {raw_s / relay_s:.2f}   (message ~{size} bytes incl. headers)")
    print(
        f"single event, save -> PubAck ({len(ms)} one at a time, relay idle):"
        f" median {statistics.median(ms):.1f} ms, max {ms[-1]:.1f} ms"
    )
    print(f"relay {relay_cpu.line()}")
    print(f"raw   {raw_cpu.line()}")


if __name__ == "__main__":
    asyncio.run(main())

"""Benchmark: an HTTP command against the save underneath it.

    python3 -m uv run python bench/commands.py [--clients 16] [--seconds 20] [--rate 100]

Starts its own nats-server and PostgreSQL (durable settings) in a temp dir and the evictions
service as a process on them (``python -m tak_evictions``, as ``tak up`` runs it), then in one
run:

1. **In-process saves** (the raw baseline): ``EvictionsApp.save`` of a newly registered
   ``EvictionCase`` (one event, personal data sealed under the household's new key), from N
   threads, through the service's own ``Application`` class on the same PostgreSQL server (a
   database of its own, so that the idle service's relay and read models do not compete).
2. **HTTP, closed loop**: ``POST /api/cases`` (register a threat, a new household each time, with
   an ``Idempotency-Key``) from N concurrent clients, each sending its next command when the
   last is answered.
3. **HTTP, open loop** at a fixed rate (commands are sent on schedule whatever the answers do):
   HTTP latency from the scheduled send to the answer, and command -> on the stream, from the
   scheduled send to the moment the event (found by its log position, ``ce-sequence``) is
   delivered from stream ``TAK``.

Before printing, it checks that every command was answered 201 and that every answered
command's event is on the stream, once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import nats
import psutil  # type: ignore[import-untyped]
from _common import CpuMeter, Servers, evictions_service, header, percentile, rate, servers
from nats.js.api import ConsumerConfig, DeliverPolicy

from tak_evictions.application import EvictionsApp
from tak_evictions.domain.eviction_case import EvictionCase
from tak_evictions.domain.values import Household, Signal, Tenant
from tak_platform.database import create_database
from tak_platform.identity import synthetic_number

DISTRICT = "benchby"
CITY_KEY = "bench-city-key-0123456789abcdef"
STREAM = "TAK"
ZONE = ZoneInfo("Europe/Stockholm")
KEEP_ALIVE_SECONDS = 3.0


_USED: set[str] = set()
_USED_LOCK = threading.Lock()


def new_number(rng: random.Random) -> str:
    """A synthetic personal identity number not used before in this run: a new household."""
    while True:
        number = synthetic_number(rng, rng.randint(1940, 2005))
        with _USED_LOCK:
            if number not in _USED:
                _USED.add(number)
                return number


def threat(rng: random.Random) -> dict[str, Any]:
    """A register-threat body for a new synthetic household."""
    return {
        "tenant": {
            "name": "Bench Testsson",
            "personal_identity_number": _dashed(new_number(rng)),
        },
        "address": f"Provgatan {rng.randint(1, 80)}",
        "landlord_name": "Exempelbostäder",
        "adults": 1,
        "children": [],
        "signal": {"kind": "rent_arrears", "received_on": date.today().isoformat()},
        "registered_by": "bench",
        "is_test_data": True,
    }


def _dashed(number: str) -> str:
    return f"{number[:8]}-{number[8:]}"


def ms(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 50) * 1000:6.1f} ms, p99 {percentile(values, 99) * 1000:6.1f} ms,"
        f" max {max(values) * 1000:6.1f} ms"
    )


# --- 1. the raw baseline: the service's Application saving in-process -----------------------


def in_process_saves(url: str, threads: int, seconds: float, srv: Servers) -> tuple[int, CpuMeter]:
    app = EvictionsApp.for_database(url, district=DISTRICT, pseudonym_key=CITY_KEY)
    stop = threading.Event()
    counts = [0] * threads
    errors: list[BaseException] = []

    def work(i: int) -> None:
        rng = random.Random()
        try:
            while not stop.is_set():
                number = new_number(rng)
                tenant = Tenant("Bench Testsson", number, None)
                household = Household(tenant, "Provgatan 1", "Exempelbostäder", None, 1, ())
                case = EvictionCase.register(
                    district=DISTRICT,
                    household=household,
                    household_pseudonym=app.pseudonym(number),
                    signal=Signal("rent_arrears", date.today()),
                    coordinator="bench",
                    recorded_by="bench",
                    now=datetime.now(ZONE),
                    case_id=uuid.uuid4(),
                    is_test_data=True,
                )
                app.save(case)
                counts[i] += 1
        except BaseException as exc:  # reported, and the figure is not printed
            errors.append(exc)

    try:
        workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        with CpuMeter(srv) as cpu:
            for w in workers:
                w.start()
            time.sleep(seconds)
            stop.set()
            for w in workers:
                w.join()
        if errors:
            raise RuntimeError(f"in-process saves failed: {errors[0]!r}") from errors[0]
        saved = sum(counts)
        stored = app.recorder.max_notification_id() or 0
        if stored != saved:
            raise RuntimeError(f"{saved} saves counted but {stored} events stored")
        return saved, cpu
    finally:
        app.close()


# --- 2. and 3. over HTTP -----------------------------------------------------------------------


class Answers:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.positions: dict[int, float] = {}
        """Each answered command's log position: when its request was (scheduled to be) sent."""
        self.failures: list[str] = []


class Connection:
    """One keep-alive HTTP/1.1 connection, as lean as a load generator must be: the clients
    share the service's two cores, and httpx costs more CPU per request than the command it
    sends. It writes a POST and reads the status line, the headers and a Content-Length body."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str) -> Connection:
        host, port = url.removeprefix("http://").split(":")
        return cls(*await asyncio.open_connection(host, int(port)))

    async def post(self, path: str, body: bytes, key: str) -> tuple[int, bytes]:
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"Idempotency-Key: {key}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


async def post_threat(conn: Connection, rng: random.Random, answers: Answers, sent: float) -> None:
    body = json.dumps(threat(rng)).encode()
    try:
        status, text = await conn.post("/api/cases", body, str(uuid.uuid4()))
    except (OSError, asyncio.IncompleteReadError) as exc:
        answers.failures.append(repr(exc))
        return
    done = time.perf_counter()
    if status != 201:
        answers.failures.append(f"{status} {text[:300]!r}")
        return
    answers.latencies.append(done - sent)
    answers.positions[int(json.loads(text)["position"])] = sent


async def closed_loop(url: str, clients: int, seconds: float) -> Answers:
    answers = Answers()
    deadline = time.perf_counter() + seconds

    async def client_loop() -> None:
        rng = random.Random()
        conn = await Connection.open(url)
        try:
            while time.perf_counter() < deadline:
                await post_threat(conn, rng, answers, time.perf_counter())
        finally:
            await conn.close()

    await asyncio.gather(*(client_loop() for _ in range(clients)))
    return answers


async def open_loop(url: str, nats_url: str, per_second: float, seconds: float) -> dict[str, Any]:
    """Commands sent on a fixed schedule; answers and arrivals on the stream timed from it."""
    answers = Answers()
    arrivals: dict[int, list[float]] = {}
    nc = await nats.connect(nats_url)
    js = nc.jetstream()

    async def arrived(msg: Any) -> None:
        sequence = int((msg.headers or {}).get("ce-sequence", "0"))
        arrivals.setdefault(sequence, []).append(time.perf_counter())

    sub = await js.subscribe(
        f"tak.{DISTRICT}.evictions.>",
        stream=STREAM,
        ordered_consumer=True,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW),
        cb=arrived,
        headers_only=True,
    )
    total = int(per_second * seconds)
    rng = random.Random()
    # A command goes out on a free connection, or a new one; one idle for longer than the
    # server keeps it open (uvicorn: 5 s) is closed, never reused.
    idle: list[tuple[Connection, float]] = []

    async def send(scheduled: float) -> None:
        conn = None
        while idle and conn is None:
            free, since = idle.pop()
            if time.perf_counter() - since < KEEP_ALIVE_SECONDS:
                conn = free
            else:
                await free.close()
        conn = conn or await Connection.open(url)
        await post_threat(conn, rng, answers, scheduled)
        idle.append((conn, time.perf_counter()))

    t0 = time.perf_counter() + 0.2
    tasks = []
    for i in range(total):
        scheduled = t0 + i / per_second
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        tasks.append(asyncio.create_task(send(scheduled)))
    await asyncio.gather(*tasks)
    achieved = total / (time.perf_counter() - t0)
    for conn, _ in idle:
        await conn.close()
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and not set(answers.positions) <= set(arrivals):  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    await sub.unsubscribe()
    await nc.close()
    missing = sorted(set(answers.positions) - set(arrivals))
    repeated = [s for s in answers.positions if len(arrivals.get(s, [])) > 1]
    if answers.failures or missing or repeated:
        raise RuntimeError(
            f"open loop: {len(answers.failures)} failed ({answers.failures[:3]}),"
            f" {len(missing)} answered but not on the stream ({missing[:5]}),"
            f" {len(repeated)} on the stream more than once"
        )
    to_stream = [arrivals[s][0] - sent for s, sent in answers.positions.items()]
    return {"sent": total, "achieved": achieved, "http": answers.latencies, "stream": to_stream}


def check(answers: Answers, what: str) -> None:
    if answers.failures:
        raise RuntimeError(f"{what}: {len(answers.failures)} failed, e.g. {answers.failures[:3]}")
    if not answers.latencies:
        raise RuntimeError(f"{what}: nothing was answered")


def service_cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients / threads")
    parser.add_argument("--seconds", type=float, default=20.0, help="closed-loop runs, each")
    parser.add_argument("--rate", type=float, default=100.0, help="open loop, commands/s")
    parser.add_argument("--open-seconds", type=float, default=20.0)
    args = parser.parse_args()
    print(header("Commands: HTTP register-threat against the Application's save, same run"))
    workdir = Path(tempfile.mkdtemp(prefix="tak-bench-commands-"))
    with servers() as srv:
        baseline_url = create_database(srv.postgres.url, "tak_bench_baseline")
        saved, base_cpu = in_process_saves(baseline_url, args.clients, args.seconds, srv)
        log = workdir / "evictions.log"
        with evictions_service(srv, log, district=DISTRICT, pseudonym_key=CITY_KEY) as (url, pid):
            asyncio.run(closed_loop(url, args.clients, 2.0))  # warm-up: imports, pools, caches
            with CpuMeter(srv) as http_cpu:
                before = service_cpu(pid)
                closed = asyncio.run(closed_loop(url, args.clients, args.seconds))
                service_used = service_cpu(pid) - before
            check(closed, "closed loop")
            opened = asyncio.run(open_loop(url, srv.nats.url, args.rate, args.open_seconds))
    base_rate = saved / base_cpu.wall
    http_rate = len(closed.latencies) / http_cpu.wall
    print(
        f"\n1. in-process EvictionsApp.save, {args.clients} threads: {rate(saved, base_cpu.wall)}"
    )
    print(f"   {base_cpu.line()}")
    print(f"2. HTTP POST /api/cases, {args.clients} clients:        ")
    print(f"   {rate(len(closed.latencies), http_cpu.wall)}  {ms(closed.latencies)}")
    print(f"   {http_cpu.line()}; the service process {service_used:.1f} s")
    print(f"   ratio HTTP / in-process: {http_rate / base_rate:.2f}  (bar: >= 0.70)")
    print(
        f"3. open loop at {args.rate:.0f}/s for {args.open_seconds:.0f} s:"
        f" {opened['sent']} sent, {opened['achieved']:.1f}/s achieved"
    )
    print(f"   HTTP answer:             {ms(opened['http'])}  (bar: p99 <= 50 ms)")
    print(f"   command -> on the stream: {ms(opened['stream'])}  (bar: p99 <= 100 ms)")
    print(f"   (mean HTTP {statistics.mean(opened['http']) * 1000:.1f} ms)")
    if os.environ.get("TAK_BENCH_KEEP_LOG"):
        print(f"service log: {workdir / 'evictions.log'}")


if __name__ == "__main__":
    main()

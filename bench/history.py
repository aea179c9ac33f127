"""Benchmark: a case's history read over HTTP against the raw read of its stored events.

    python3 -m uv run python bench/history.py [--events 1000] [--reads 100]

Starts its own nats-server and PostgreSQL (durable settings) in a temp dir and builds one
eviction case of N events through ``EvictionsApp`` in-process: a threat registered, then N-1
steps (mostly notes, with contact attempts, landlord contacts, counselling and repayment plans
among them), saved 100 events at a time. Then it starts the evictions service as a process
(``python -m tak_evictions`` on that database, as the component tests do), waits until its relay
and read models have caught up, and times R reads of ``GET /api/cases/{id}`` (request sent to
the last byte of the JSON received, on one kept-alive connection); every answer is checked
(version N, N history entries, oldest first) before a figure is printed. In the same run, the
baselines on a second app in this process: the recorder's ``select_events`` of the same N
stored events (one query, no decoding), the same read decoded (decrypted and transcoded into
domain events), and the service layer without HTTP: ``get_case`` plus ``history``, and with
the response model built and serialised as the route does.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from _common import CpuMeter, Servers, evictions_service, header, percentile, servers
from pydantic import TypeAdapter

from tak_evictions.application import EvictionsApp
from tak_evictions.commands import RegisterThreat
from tak_evictions.domain.eviction_case import EvictionCase
from tak_evictions.domain.values import (
    Child,
    ContactAttempt,
    Household,
    RepaymentPlan,
    Signal,
    Tenant,
)
from tak_evictions.features.get_case import http as get_case_http
from tak_platform.database import create_database
from tak_platform.dependencies import Services
from tak_platform.identity import synthetic_number

DISTRICT = "norrmalm"
DATABASE = "tak_evictions"
PSEUDONYM_KEY = "bench-history-city-key-0123456789"
PER_SAVE = 100
WARM_UP = 5
CATCH_UP_TIMEOUT = 120.0


def build_case(app: EvictionsApp, events: int) -> tuple[UUID, float]:
    """One synthetic household's case with ``events`` events; seconds taken."""
    rng = random.Random(13)
    now = datetime.now(UTC)
    today = now.date()
    household = Household(
        Tenant("Alva Testsson", synthetic_number(rng, 1981), "070-000 12 34"),
        "Provgatan 7",
        "Demo Bostäder AB",
        "kontakt@demo.invalid",
        2,
        (Child(2015, True), Child(2018, False)),
    )
    signal = Signal("rent_arrears", today - timedelta(days=3), Decimal("18500"), 3, None, None)
    t0 = time.perf_counter()
    registered = app.register_threat(
        RegisterThreat(household, signal, "bo1", "bo1", now, is_test_data=True)
    )
    case = app.get_case(registered.case.id)
    for i in range(1, events):
        step(case, i, today, now)
        if i % PER_SAVE == 0 or i == events - 1:
            app.save(case)
    return case.id, time.perf_counter() - t0


def step(case: EvictionCase, i: int, today: date, now: datetime) -> None:
    """The i-th step after registration: mostly notes, some contacts, counselling, plans."""
    who: dict[str, Any] = {"recorded_by": "bo1" if i % 3 else "bo2", "now": now}
    if i % 10 == 1:
        channel = ("letter", "phone", "home_visit")[i % 3]
        case.attempt_contact(ContactAttempt(channel, today, reached=i % 20 == 1), **who)
    elif i % 10 == 3:
        case.contact_landlord(today, f"Samtal med hyresvärden om skulden, steg {i}.", **who)
    elif i % 100 == 5:
        case.refer_to_counselling(today, **who)
    elif i % 100 == 7:
        case.conclude_counselling("budget_made", today, **who)
    elif i % 100 == 9:
        case.agree_repayment_plan(RepaymentPlan(Decimal("1500.00"), 12, today), **who)
    else:
        case.write_note(
            f"Anteckning {i}: hushållet nåddes inte i dag, nytt försök planeras"
            " tillsammans med budget- och skuldrådgivningen.",
            **who,
        )


def timed(reads: int, read: Callable[[], Any], check: Callable[[Any], None]) -> list[float]:
    """Milliseconds of each of ``reads`` calls (after a few warm-up calls); each result checked."""
    for _ in range(WARM_UP):
        check(read())
    times = []
    for _ in range(reads):
        t0 = time.perf_counter()
        result = read()
        times.append((time.perf_counter() - t0) * 1000)
        check(result)
    return times


def figure(times: list[float]) -> str:
    return (
        f"p50 {percentile(times, 50):7.2f} ms   p99 {percentile(times, 99):7.2f} ms"
        f"   (mean {statistics.fmean(times):6.2f}, max {max(times):6.2f})"
    )


def check_answer(case_id: UUID, events: int) -> Callable[[dict[str, Any]], None]:
    def check(body: dict[str, Any]) -> None:
        history = body["history"]
        if body["case_id"] != str(case_id) or body["version"] != events:
            raise RuntimeError(f"answer for {body['case_id']} v{body['version']}")
        if len(history) != events or [e["version"] for e in history] != list(range(1, events + 1)):
            raise RuntimeError(f"history of {len(history)} entries, expected {events} in order")
        if history[0]["event"] != "Registered" or history[-1]["version"] != events:
            raise RuntimeError("history does not start with the registration")

    return check


def wait_caught_up(client: httpx.Client) -> None:
    """Until the service's relay and read models have read the whole log (no lag)."""
    deadline = time.monotonic() + CATCH_UP_TIMEOUT
    while time.monotonic() < deadline:
        health = client.get("/health").json()
        parts = [health["relay"], health["work_list"], health["emergency_requests"]]
        if all(isinstance(p, dict) and p["lag"] == 0 and p["position"] > 0 for p in parts):
            return
        time.sleep(0.1)
    raise TimeoutError(f"the service did not catch up: {health}")


def read_over_http(
    srv: Servers, case_id: UUID, events: int, reads: int
) -> tuple[list[float], CpuMeter, int]:
    """``reads`` GETs of the case from the evictions service running as a process; the
    milliseconds of each, the CPU used, and the size of the JSON answer."""
    check = check_answer(case_id, events)
    with (
        tempfile.TemporaryDirectory(prefix="tak-bench-history-") as logs,
        evictions_service(
            srv,
            Path(logs) / "evictions.log",
            district=DISTRICT,
            pseudonym_key=PSEUDONYM_KEY,
            database=DATABASE,
        ) as (base, _),
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        wait_caught_up(client)

        def read() -> httpx.Response:
            return client.get(f"/api/cases/{case_id}")

        def check_response(response: httpx.Response) -> None:
            response.raise_for_status()
            check(response.json())

        with CpuMeter(srv) as cpu:
            times = timed(reads, read, check_response)
        size = len(read().content)
    return times, cpu, size


def read_in_process(
    app: EvictionsApp, case_id: UUID, events: int, reads: int
) -> dict[str, list[float]]:
    """The baselines on an app in this process: the raw rows, decoded, the service layer,
    and the route's work without HTTP (answer validated and dumped as FastAPI does)."""
    check = check_answer(case_id, events)
    response_model = TypeAdapter(get_case_http.CaseOut)
    services = Services(app, app.receipts, lambda: datetime.now(UTC))

    def same_count(result: list[Any]) -> None:
        if len(result) != events:
            raise RuntimeError(f"{len(result)} events, expected {events}")

    def case_and_history() -> list[Any]:
        history: list[Any] = []
        app.get_case(case_id, history=history)
        return history

    def route() -> Any:
        answer = get_case_http.get_case(case_id, services, None)
        valid = response_model.validate_python(answer, from_attributes=True)
        return json.loads(response_model.dump_json(valid))

    return {
        "select": timed(reads, lambda: list(app.recorder.select_events(case_id)), same_count),
        "decoded": timed(reads, lambda: list(app.events.get(case_id)), same_count),
        "layer": timed(reads, case_and_history, same_count),
        "route": timed(reads, route, check),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000)
    parser.add_argument("--reads", type=int, default=100)
    args = parser.parse_args()
    n, reads = args.events, args.reads
    print(header(f"history benchmark: one case of {n:,} events, {reads} reads"), flush=True)
    with servers() as srv:
        url = create_database(srv.postgres.url, DATABASE)
        app = EvictionsApp.for_database(url, district=DISTRICT, pseudonym_key=PSEUDONYM_KEY)
        try:
            case_id, built = build_case(app, n)
            print(
                f"built the case through EvictionsApp ({PER_SAVE} events per save):"
                f" {n / built:,.0f} events/s ({built:.2f} s)",
                flush=True,
            )
            http, http_cpu, size = read_over_http(srv, case_id, n, reads)
            local = read_in_process(app, case_id, n, reads)
        finally:
            app.close()
    print()
    print(f"GET /api/cases/{{id}} over HTTP ({size:,} bytes of JSON): {figure(http)}")
    print(f"  the route in-process (views, JSON; no HTTP): {figure(local['route'])}")
    print(f"  get_case with its history (service layer):  {figure(local['layer'])}")
    print(f"  baseline: the {n:,} events read and decoded:  {figure(local['decoded'])}")
    print(f"  baseline: recorder.select_events, raw rows: {figure(local['select'])}")
    raw = local["select"]
    print(
        f"ratio HTTP / raw select: p50 {percentile(http, 50) / percentile(raw, 50):.1f},"
        f" p99 {percentile(http, 99) / percentile(raw, 99):.1f};"
        f" target p99 <= 50 ms over HTTP: {'met' if percentile(http, 99) <= 50 else 'NOT met'}"
    )
    print(f"HTTP reads {http_cpu.line()}")


if __name__ == "__main__":
    main()

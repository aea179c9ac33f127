"""The whole suite as a user drives it: ``tak up`` → commands → stream → reporting → stop."""

from __future__ import annotations

import json
import random
import signal
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from tak_contracts import from_nats
from tak_evictions.demo import threat
from tak_intake.demo import person
from tak_placements.demo import apartment
from tak_platform.identity import synthetic_number

from .suite import RunningSuite, wait_until

pytestmark = pytest.mark.e2e


def stream_messages(nats_url: str) -> list[Any]:
    async def fetch() -> list[Any]:
        import nats

        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        total = (await js.stream_info("TAK")).state.messages
        sub = await js.subscribe("tak.>", stream="TAK", ordered_consumer=True)
        msgs = [await sub.next_msg(timeout=5) for _ in range(total)]
        await nc.close()
        return msgs

    import asyncio

    return asyncio.run(fetch())


def test_tak_up_carries_a_command_from_each_producer_to_reporting_and_stops_cleanly(
    suite: RunningSuite,
) -> None:
    state = suite.state()
    rng, today = random.Random(1), date.today()
    ids = {
        "eviction_threat_registered": _post(
            suite.url("evictions"), "/api/cases", threat(rng, today)
        )["case_id"],
        "person_registered": _post(suite.url("intake"), "/api/persons", person(rng))["person_id"],
    }
    flat = _post(suite.url("placements"), "/api/apartments", apartment(rng))["apartment_id"]
    _post(
        suite.url("placements"),
        f"/api/apartments/{flat}/assignments",
        {
            "personal_identity_number": synthetic_number(rng, 1990),
            "assigned_on": str(today),
            "assigned_by": "e2e",
            "is_test_data": True,
        },
    )
    ids["apartment_assigned"] = flat

    expected = {
        ("evictions", "eviction_threat_registered"): 1,
        ("intake", "person_registered"): 1,
        ("placements", "apartment_assigned"): 1,
    }
    assert wait_until(lambda: _counts(suite.url("reporting")) == expected, timeout=30)
    events = {
        m.subject.split(".")[3]: from_nats(m.headers, m.data)
        for m in stream_messages(state["nats_url"])
    }
    for name, aggregate_id in ids.items():
        assert events[name].subject == aggregate_id
        assert events[name].event().is_test_data  # type: ignore[attr-defined]

    assert "evictions" in json.loads(suite.tak("demo", "--seed", "7"))
    status = wait_until(
        lambda: _caught_up(json.loads(suite.tak("status", "--json", check=False))), 60
    )
    assert status["stream"]["messages"] > 3
    assert "stream TAK:" in suite.tak("status")  # and it exits 0: nothing is red

    pids = _all_pids(suite.data_dir, state)
    suite.proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    suite.proc.send_signal(signal.SIGINT)  # an impatient second Ctrl-C must not cut it short
    assert suite.proc.wait(90) == 0, suite.output()
    alive = [p for p in pids if _alive(p)]
    assert not alive, f"left behind: {alive}"


def _post(base: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(f"{base}{path}", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _caught_up(status: dict[str, Any]) -> dict[str, Any] | None:
    stream, services = status["stream"], status["services"]
    relays = [services[s]["relay"] for s in ("intake", "placements", "evictions")]
    done = stream["consumer"]["ack_floor"] == stream["last_seq"] and all(
        r["lag"] == 0 and r["position"] == r["head"] for r in relays
    )
    return status if done else None


def _counts(url: str) -> dict[tuple[str, str], int]:
    rows = httpx.get(f"{url}/api/event-counts", timeout=5).json()
    return {(r["service"], r["event_type"]): r["events"] for r in rows}


def _all_pids(data_dir: Path, state: dict[str, Any]) -> list[int]:
    recorded = json.loads((data_dir / "pids.json").read_text())
    return sorted(set(state["pids"].values()) | {int(e["pid"]) for e in recorded.values()})


def test_tak_up_after_a_crashed_run_stops_what_it_left_behind(suite: RunningSuite) -> None:
    first = _all_pids(suite.data_dir, suite.state())
    suite.proc.send_signal(signal.SIGKILL)  # the launcher dies; its children live on
    suite.proc.wait(10)
    assert any(_alive(p) for p in first)
    (suite.data_dir / "state.json").unlink()

    again = RunningSuite(suite.data_dir, suite.ports)
    try:
        state = again.state()
        assert "left behind by an earlier run" in again.output()
        assert not [p for p in first if _alive(p)]
        assert _counts(again.url("reporting")) is not None
    finally:
        again.proc.send_signal(signal.SIGINT)
        assert again.proc.wait(90) == 0, again.output()
        again.log.close()
    assert not [p for p in _all_pids(suite.data_dir, state) if _alive(p)]


def _alive(pid: int) -> bool:
    return psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE

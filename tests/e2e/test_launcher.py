"""The whole suite as a user drives it: ``tak up`` → commands → stream → reporting → stop."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from tak_contracts import from_nats
from tak_platform.identity import synthetic_number
from tak_platform.launcher.demo import apartment, person, threat
from tak_platform.servers import free_port

pytestmark = pytest.mark.e2e
TAK = Path(sys.executable).parent / "tak"


class RunningSuite:
    def __init__(self, data_dir: Path, ports: dict[str, int]) -> None:
        self.data_dir, self.ports = data_dir, ports
        args = [str(TAK), "up", "--data-dir", str(data_dir)] + [
            a for name, port in ports.items() for a in (f"--{name}-port", str(port))
        ]
        env = {k: v for k, v in os.environ.items() if k not in ("TAK_NATS_URL", "TAK_DATABASE_URL")}
        self.log = (data_dir.parent / "tak-up.log").open("ab")
        self.proc = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def state(self, timeout: float = 180.0) -> dict[str, Any]:
        path, deadline = self.data_dir / "state.json", time.monotonic() + timeout
        while not path.exists():
            assert self.proc.poll() is None, f"tak up exited: {self.output()}"
            assert time.monotonic() < deadline, f"tak up did not come up: {self.output()}"
            time.sleep(0.25)
        return dict(json.loads(path.read_text()))

    def output(self) -> str:
        self.log.flush()
        return (self.data_dir.parent / "tak-up.log").read_text(errors="replace")[-4000:]

    def tak(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            [str(TAK), *args, "--data-dir", str(self.data_dir)],
            capture_output=True,
            text=True,
            timeout=60,
            check=check,
        )
        return done.stdout


@pytest.fixture
def suite() -> Iterator[RunningSuite]:
    base = Path(tempfile.mkdtemp(prefix="tak-e2e-"))
    ports = {
        "nats": free_port(),
        "intake": free_port(),
        "placements": free_port(),
        "evictions": free_port(),
        "reporting": free_port(),
    }
    running = RunningSuite(base / "data", ports)
    yield running
    if running.proc.poll() is None:
        running.proc.send_signal(signal.SIGINT)
        running.proc.wait(60)
    running.log.close()
    shutil.rmtree(base, ignore_errors=True)


def wait_until(check, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.25)


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

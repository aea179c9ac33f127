"""``tak up`` keeps what it started running: kill -9 any part and it comes back, said and counted;
``tak restart`` restarts one part; ``tak status`` is red while a part is down."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
from datetime import date
from typing import Any

import httpx
import psutil
import pytest

from tak_evictions.demo import threat
from tak_launcher.servers import free_port

from .suite import TAK, RunningSuite, wait_until

pytestmark = pytest.mark.e2e


def tak(suite: RunningSuite, *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [str(TAK), *args, "--data-dir", str(suite.data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def status(suite: RunningSuite) -> tuple[int, dict[str, Any]]:
    code, out = tak(suite, "status", "--json")
    return code, json.loads(out)


def restarted(suite: RunningSuite, part: str, old: int) -> dict[str, Any]:
    """The status once ``part`` runs under a new PID and nothing is red; until then, nothing."""
    code, report = status(suite)
    pid = report["parts"][part]["pid"]
    return report if code == 0 and pid not in (None, old) and not alive(old) else {}


def alive(pid: int) -> bool:
    return psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE


def test_a_killed_service_is_restarted_with_a_new_pid_counted_and_healthy_again(
    suite: RunningSuite,
) -> None:
    old = suite.state()["pids"]["evictions"]
    os.kill(old, signal.SIGKILL)

    report = wait_until(lambda: restarted(suite, "evictions", old), timeout=45)
    part = report["parts"]["evictions"]
    assert (part["restarts"], part["last_exit"], part["running"]) == (1, -9, True)
    assert report["services"]["evictions"]["health"] == "ok"
    assert "restarted evictions (exit -9), restart 1" in suite.output()
    recorded = json.loads((suite.data_dir / "pids.json").read_text())["evictions"]
    assert recorded["pid"] == part["pid"]  # a crashed run's leftovers are still found


def test_status_is_red_while_a_part_is_down_and_green_once_it_is_back(
    suite: RunningSuite,
) -> None:
    state = suite.state()
    assert state["supervisor_pid"] == suite.proc.pid
    suite.proc.send_signal(signal.SIGSTOP)  # the supervisor cannot restart it yet
    try:
        os.kill(state["pids"]["placements"], signal.SIGKILL)
        code, text = tak(suite, "status")
    finally:
        suite.proc.send_signal(signal.SIGCONT)

    assert code == 1, text
    assert "!! placements is not running" in text
    assert [line.split()[2] for line in text.splitlines() if line.startswith("placements")] == [
        "NO"
    ]
    wait_until(lambda: restarted(suite, "placements", state["pids"]["placements"]), timeout=45)


def test_nats_and_postgres_killed_are_restarted_and_what_was_accepted_before_stays(
    suite: RunningSuite,
) -> None:
    suite.state()
    evictions = suite.url("evictions")
    rng, today = random.Random(11), date.today()
    first = _register(evictions, threat(rng, today))
    wait_until(lambda: _threats_reported(suite) == 1, timeout=30)

    for part in ("nats", "postgres"):
        old = suite.state()["pids"][part]
        os.kill(old, signal.SIGKILL)
        report = wait_until(lambda: restarted(suite, part, old), timeout=45)  # noqa: B023
        assert report["parts"][part]["restarts"] == 1

    assert httpx.get(f"{evictions}/api/cases/{first}", timeout=10).status_code == 200
    _register(evictions, threat(rng, today))
    wait_until(lambda: _threats_reported(suite) == 2, timeout=30)
    code, text = tak(suite, "audit", "verify")
    assert code == 0, text
    assert "audit valid" in text.splitlines()[-1]


def test_tak_restart_gives_the_part_a_new_pid_and_waits_until_it_is_healthy(
    suite: RunningSuite,
) -> None:
    for part in ("evictions", "postgres"):
        old = suite.state()["pids"][part]
        code, text = tak(suite, "restart", part)
        assert code == 0, text
        new = suite.state()["pids"][part]
        assert f"{part} restarted: pid {new}" in text
        assert new != old and not alive(old)
        assert f"restarted {part} (asked), restart 1" in suite.output()
    assert httpx.get(f"{suite.url('evictions')}/health", timeout=5).status_code == 200
    code, _ = tak(suite, "restart", "nonesuch")
    assert code == 1


def test_audit_verify_fails_when_reporting_cannot_be_asked() -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    done = subprocess.run(
        [str(TAK), "audit", "verify", "--url", nobody], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "could not verify" in done.stderr


def _register(evictions: str, body: dict[str, Any]) -> str:
    answer = httpx.post(f"{evictions}/api/cases", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["case_id"])


def _threats_reported(suite: RunningSuite) -> int:
    rows = httpx.get(f"{suite.url('reporting')}/api/event-counts", timeout=5).json()
    return sum(r["events"] for r in rows if r["event_type"] == "eviction_threat_registered")

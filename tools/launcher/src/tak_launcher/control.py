"""Asking a running suite: ``tak restart <part>`` and ``tak audit verify``."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tak_launcher.parts import alive
from tak_launcher.suite import RESTART_DIR, healthy, read_state

T = TypeVar("T")


class Refused(Exception):
    """The request could not be made, or did not finish in time; the message says why."""


def restart(data_dir: Path, part: str, timeout: float = 90.0) -> int:
    """Have the running ``tak up`` restart ``part``; its new PID, once it is healthy again.

    A service is healthy when its ``/health`` answers 200; after nats-server or PostgreSQL,
    every service must.
    """
    state = read_state(data_dir)
    _check_can_restart(state, part)
    before = state["parts"][part]["restarts"]
    (data_dir / RESTART_DIR).mkdir(exist_ok=True)
    (data_dir / RESTART_DIR / part).touch()
    deadline = time.monotonic() + timeout
    pid = _until(lambda: _restarted(data_dir, part, before), deadline, f"{part} restarted")
    services: dict[str, str] = state["services"]
    urls = [services[part]] if part in services else list(services.values())
    _until(lambda: all(healthy(url) for url in urls), deadline, "healthy again")
    return pid


def _check_can_restart(state: dict[str, Any], part: str) -> None:
    parts = state.get("parts", {})
    if part not in parts:
        raise Refused(f"{part} is not a part this suite runs; one of: {', '.join(parts)}")
    if not alive(state.get("supervisor_pid")):
        raise Refused(
            f"the tak up that wrote its state (pid {state.get('supervisor_pid')}) is gone"
        )


def _restarted(data_dir: Path, part: str, before: int) -> int | None:
    try:
        now = read_state(data_dir)["parts"][part]
    except FileNotFoundError:
        raise Refused("tak up stopped") from None
    return int(now["pid"]) if now["restarts"] > before and now["pid"] else None


def _until(check: Callable[[], T | None], deadline: float, what: str) -> T:
    while True:
        result = check()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            raise Refused(f"not {what} in time")
        time.sleep(0.2)


def verify_audit(reporting_url: str, timeout: float = 600.0) -> tuple[bool, list[str]]:
    """Reporting's check that nothing was lost or doubled: (valid, each problem + a summary)."""
    try:
        answer = httpx.get(f"{reporting_url}/api/audit/verify", timeout=timeout)
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise Refused(f"could not verify at {reporting_url}: {exc}") from None
    valid = found.get("valid") is True
    problems = [str(p) for p in found.get("problems") or []]
    return valid, [*problems, _summary(valid, problems, found)]


def _summary(valid: bool, problems: list[str], found: dict[str, Any]) -> str:
    counts = "; ".join(_counted(k, v) for k, v in found.items() if k not in ("valid", "problems"))
    verdict = "valid" if valid else f"NOT VALID ({len(problems)} problems)"
    return f"audit {verdict}" + (f": {counts}" if counts else "")


def _counted(key: str, value: Any) -> str:
    if isinstance(value, dict):
        return f"{key} (" + ", ".join(_counted(k, v) for k, v in value.items()) + ")"
    return f"{key} {value}"

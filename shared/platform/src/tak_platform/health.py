"""What ``/health`` concludes from what each part reports.

A part's report (a dict) may carry ``problems`` (the service works, but someone must look: a
parked event, a duplicate that should not be) and ``stuck`` (it cannot do its work: a worker that
has work and has not moved for a while). The service is ``degraded`` with any problem and
``unhealthy`` (503) when its database is lost or a part is stuck.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import psycopg

STUCK_AFTER_SECONDS = 30.0


@dataclass
class Progress:
    """Since when a worker that has work to do has not moved."""

    stuck_after: float = STUCK_AFTER_SECONDS
    _position: int | None = None
    _behind_since: float | None = None

    def stuck(self, position: int, behind: bool) -> float | None:
        """Seconds without progress while behind, once past ``stuck_after``; else None."""
        now = time.monotonic()
        if not behind:
            self._behind_since = None
        elif self._behind_since is None or position != self._position:
            self._behind_since = now
        self._position = position
        waited = now - self._behind_since if self._behind_since is not None else 0.0
        return round(waited, 1) if waited >= self.stuck_after else None


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    failing: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "unhealthy" if self.failing else "degraded" if self.problems else "ok"

    def body(self) -> dict[str, Any]:
        return {"status": self.status, "problems": self.failing + self.problems}


def judge(details: dict[str, Any]) -> Verdict:
    """Collect the problems and stuck parts reported anywhere in ``details``."""
    verdict = Verdict()
    _collect(details, "", verdict)
    if str(details.get("database", "connected")) != "connected":
        verdict.failing.insert(0, f"database {details['database']}")
    if details.get("nats") == "unavailable":
        verdict.problems.append("NATS unavailable: commands are stored and wait to be published")
    return verdict


def _collect(report: dict[str, Any], where: str, verdict: Verdict) -> None:
    for problem in report.get("problems") or []:
        verdict.problems.append(f"{where}{problem}")
    if report.get("stuck"):
        verdict.failing.append(f"{where}{report['stuck']}")
    for key, value in report.items():
        if isinstance(value, dict):
            _collect(value, f"{where}{key}: ", verdict)


async def postgres_reachable(url: str, timeout: float = 2.0) -> str:
    """``connected``, or why the database did not answer within ``timeout`` seconds."""
    try:
        async with await psycopg.AsyncConnection.connect(
            url, connect_timeout=max(int(timeout), 1), autocommit=True
        ) as conn:
            await conn.execute("SELECT 1")
    except (psycopg.Error, OSError) as exc:
        return f"unavailable: {type(exc).__name__}: {str(exc).strip()[:200]}"
    return "connected"

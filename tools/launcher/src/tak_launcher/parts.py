"""The parts ``tak up`` supervises: each service, and the servers it started itself.

A part that exits is started again after a pause: 0.5 s, doubling up to 30 s, and back to
0.5 s once it has stayed up for a minute, so a part that crashes at once does not spin and one
that crashed after a long run comes back at once.
"""

from __future__ import annotations

import signal
import subprocess
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from tak_launcher.servers import ServerProcess, stop_pid

FIRST_PAUSE, LONGEST_PAUSE, SETTLED_AFTER = 0.5, 30.0, 60.0
DRAIN_SECONDS = 30.0


@dataclass
class Backoff:
    pause: float = 0.0

    def next(self, up_for: float) -> float:
        """The pause before the next start of a part that ran for ``up_for`` seconds."""
        if up_for >= SETTLED_AFTER:
            self.pause = 0.0
        self.pause = min(self.pause * 2, LONGEST_PAUSE) if self.pause else FIRST_PAUSE
        return self.pause


@dataclass(kw_only=True)
class Part(ABC):
    """One supervised process: started, watched, started again, counted."""

    name: str
    restarts: int = 0
    last_exit: int | None = None
    down: bool = False
    due: float = 0.0  # monotonic time of the next start while down
    up_since: float = 0.0  # monotonic
    started_at: float = 0.0  # wall clock, for people
    backoff: Backoff = field(default_factory=Backoff)

    @abstractmethod
    def launch(self) -> None: ...

    @abstractmethod
    def running(self) -> bool: ...

    @abstractmethod
    def exit_code(self) -> int | None: ...

    @abstractmethod
    def stop(self) -> None: ...

    @property
    @abstractmethod
    def process_id(self) -> int | None: ...

    @property
    def stop_signal(self) -> int:
        return signal.SIGTERM

    @property
    def pid(self) -> int | None:
        return None if self.down else self.process_id

    def started(self) -> None:
        self.down, self.up_since, self.started_at = False, time.monotonic(), time.time()

    def went_down(self, now: float) -> float:
        """Note the exit; returns the pause before the next start."""
        self.down, self.last_exit = True, self.exit_code()
        return self.retry_later(now, up_for=now - self.up_since)

    def retry_later(self, now: float, up_for: float = 0.0) -> float:
        pause = self.backoff.next(up_for)
        self.due = now + pause
        return pause

    def describe(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "running": not self.down,
            "restarts": self.restarts,
            "last_exit": self.last_exit,
            "started_at": self.started_at,
        }


@dataclass(kw_only=True)
class ServicePart(Part):
    command: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def launch(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    @property
    def process_id(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.returncode

    def terminate(self) -> None:
        """Ask it to stop (it drains its workers first); :meth:`wait` for it."""
        if self.running():
            assert self.proc is not None
            self.proc.terminate()

    def wait(self) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(DRAIN_SECONDS)
        except subprocess.TimeoutExpired:
            stop_pid(self.proc.pid, timeout=1)
            self.proc.wait()

    def stop(self) -> None:
        self.terminate()
        self.wait()


@dataclass(kw_only=True)
class ServerPart(Part):
    start: Callable[[], ServerProcess]
    server: ServerProcess | None = None

    def launch(self) -> None:
        self.server = self.start()

    @property
    def process_id(self) -> int | None:
        return None if self.server is None else self.server.pid

    @property
    def stop_signal(self) -> int:
        return signal.SIGTERM if self.server is None else self.server.stop_signal

    def running(self) -> bool:
        return self.server is not None and self.server.running()

    def exit_code(self) -> int | None:
        return None if self.server is None else self.server.returncode

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def describe(self) -> dict[str, Any]:
        return super().describe() | {"url": None if self.server is None else self.server.url}


def alive(pid: int | None) -> bool:
    """True if ``pid`` runs (a zombie does not)."""
    if pid is None:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def exit_text(code: int | None) -> str:
    return "exit code unknown" if code is None else f"exit {code}"

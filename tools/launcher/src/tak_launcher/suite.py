"""``tak up``: the whole suite on one machine, in the foreground, until Ctrl-C (docs/operations.md).

Everything lives in one data folder: the servers' data, each child's log, the PIDs of every
child (so the next start stops what a crashed run left behind) and the suite's state for
``tak status`` and ``tak demo``, rewritten whenever a part exits or starts again.

``tak up`` supervises what it started: a service, nats-server or PostgreSQL that exits is
started again (with a backoff, see :mod:`.parts`) on the same port, socket and data folder.
Servers given by URL (``TAK_NATS_URL``, ``TAK_DATABASE_URL``) are not its to restart.
``tak restart <part>`` asks for a restart by leaving a file named after the part in the
``restart/`` folder: the supervisor stops that part and starts it at once, without backoff.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import psycopg

from tak_launcher.parts import Part, ServerPart, ServicePart, exit_text
from tak_launcher.servers import PidRegistry, ServerProcess, start_nats, start_postgres

SERVICES = ("intake", "placements", "evictions", "reporting")
PRODUCERS = ("intake", "placements", "evictions")
DEFAULT_PORTS = {
    "nats": 14222,
    "intake": 8101,
    "placements": 8102,
    "evictions": 8103,
    "reporting": 8104,
}
STATE_FILE = "state.json"
RESTART_DIR = "restart"
START_FAILURES = (RuntimeError, OSError, subprocess.SubprocessError, psycopg.Error)
"""What starting a part again can raise; it is reported and tried again after a pause."""


@dataclass
class SuiteConfig:
    data_dir: Path
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    district: str = "norrmalm"
    host: str = "127.0.0.1"
    nats_url: str | None = None
    database_url: str | None = None


class Stop(Exception):
    """SIGTERM or SIGINT arrived: stop the suite."""


@dataclass
class StopSignals:
    """SIGINT/SIGTERM stop the suite, but never halfway through starting or stopping a part
    (that would leave a process nobody knows about): there the stop waits until it is done."""

    pending: str | None = None
    holding: int = 0

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.pending is not None:  # a second Ctrl-C must not cut the stop short
            print("already stopping; please wait", flush=True)
            return
        self.pending = signal.Signals(signum).name
        if not self.holding:
            raise Stop(self.pending)

    @contextmanager
    def held(self) -> Iterator[None]:
        self.holding += 1
        try:
            yield
        finally:
            self.holding -= 1
        if self.pending is not None and not self.holding:
            raise Stop(self.pending)


@dataclass
class Suite:
    config: SuiteConfig
    signals: StopSignals = field(default_factory=StopSignals)
    parts: dict[str, Part] = field(default_factory=dict)
    nats_url: str = ""
    ready: bool = False  # state.json is written once every service has answered healthy
    started_at: float = 0.0

    @property
    def registry(self) -> PidRegistry:
        return PidRegistry(self.config.data_dir / "pids.json")

    def urls(self) -> dict[str, str]:
        return {s: f"http://{self.config.host}:{self.config.ports[s]}" for s in SERVICES}

    def start(self) -> dict[str, Any]:
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        for name in self.registry.stop_leftovers():
            print(f"stopped {name}, left behind by an earlier run")
        shutil.rmtree(self.config.data_dir / RESTART_DIR, ignore_errors=True)
        self.nats_url = self.config.nats_url or self._server("nats", self._start_nats)
        database_url = self.config.database_url or self._server("postgres", self._start_postgres)
        env = self._service_env(self.nats_url, database_url)
        for service in SERVICES:
            self._add(self._service(service, env))
        self._wait_healthy()
        self.ready, self.started_at = True, time.time()
        return self._save()

    def _server(self, name: str, start: Callable[[], ServerProcess]) -> str:
        part = ServerPart(name=name, start=start)
        self._add(part)
        assert part.server is not None
        return part.server.url

    def _start_nats(self) -> ServerProcess:
        return start_nats(self.config.data_dir / "nats", port=self.config.ports["nats"])

    def _start_postgres(self) -> ServerProcess:
        return start_postgres(self.config.data_dir / "postgres")

    def _service(self, service: str, env: dict[str, str]) -> ServicePart:
        own = {"TAK_HTTP_PORT": str(self.config.ports[service])}
        if service == "reporting":  # whose logs `tak audit verify` checks
            own["TAK_PRODUCERS"] = json.dumps({p: self.urls()[p] for p in PRODUCERS})
        return ServicePart(
            name=service,
            command=[sys.executable, "-m", f"tak_{service}"],
            env=env | own,
            log=self.config.data_dir / "logs" / f"{service}.log",
        )

    def _service_env(self, nats_url: str, database_url: str) -> dict[str, str]:
        return os.environ | {
            "TAK_NATS_URL": nats_url,
            "TAK_DATABASE_URL": database_url,
            "TAK_DISTRICT": self.config.district,
            "TAK_HTTP_HOST": self.config.host,
            "TAK_PSEUDONYM_KEY": self._pseudonym_key(),
        }

    def _pseudonym_key(self) -> str:
        path = self.config.data_dir / "secrets.json"
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(json.dumps({"pseudonym_key": secrets.token_urlsafe(32)}))
        return str(json.loads(path.read_text())["pseudonym_key"])

    def _add(self, part: Part) -> None:
        self.parts[part.name] = part
        self._launch(part)

    def _launch(self, part: Part) -> None:
        with self.signals.held():
            part.launch()
            assert part.process_id is not None
            self.registry.record(part.name, part.process_id, sig=part.stop_signal)
            part.started()

    def _wait_healthy(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        waiting = dict(self.urls())
        while waiting:
            for service, url in list(waiting.items()):
                self._check_alive(self.parts[service])
                if healthy(url):
                    del waiting[service]
            if time.monotonic() > deadline:
                raise RuntimeError(f"not healthy within {timeout:.0f}s: {', '.join(waiting)}")
            time.sleep(0.2)

    def _check_alive(self, part: Part) -> None:
        if not part.running():
            log = self.config.data_dir / "logs" / f"{part.name}.log"
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise RuntimeError(
                f"{part.name} exited with {part.exit_code()} while starting:\n{tail}"
            )

    def watch(self) -> None:
        """Until SIGINT/SIGTERM: start again each part that exits or that is asked for."""
        while True:
            for name in self._take_requests():
                self._restart_asked(name)
            now = time.monotonic()
            for part in self.parts.values():
                self._supervise(part, now)
            time.sleep(0.2)

    def _supervise(self, part: Part, now: float) -> None:
        if not part.down and not part.running():
            pause = part.went_down(now)
            why = exit_text(part.last_exit)
            print(f"{part.name} exited ({why}); starting it again in {pause:g} s", flush=True)
            self._save()
        elif part.down and now >= part.due:
            self._restart(part, exit_text(part.last_exit))

    def _restart(self, part: Part, why: str) -> None:
        try:
            self._launch(part)
        except START_FAILURES as exc:
            pause = part.retry_later(time.monotonic())
            print(f"{part.name} did not start ({exc}); trying again in {pause:g} s", flush=True)
            return
        part.restarts += 1
        print(f"restarted {part.name} ({why}), restart {part.restarts}", flush=True)
        self._save()

    def _take_requests(self) -> list[str]:
        folder = self.config.data_dir / RESTART_DIR
        names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        for name in names:
            (folder / name).unlink(missing_ok=True)
        return names

    def _restart_asked(self, name: str) -> None:
        part = self.parts.get(name)
        if part is None:
            print(f"asked to restart {name}, which this suite does not run", flush=True)
            return
        with self.signals.held():
            part.stop()
        if not part.down:
            part.down, part.last_exit = True, part.exit_code()
        self._restart(part, "asked")

    def _save(self) -> dict[str, Any]:
        state = {
            "supervisor_pid": os.getpid(),
            "nats_url": self.nats_url,
            "services": self.urls(),
            "district": self.config.district,
            "pids": {n: p.pid for n, p in self.parts.items() if p.pid is not None},
            "parts": {n: p.describe() for n, p in self.parts.items()},
            "started_at": self.started_at,
        }
        if self.ready:
            path = self.config.data_dir / STATE_FILE
            tmp = path.with_name(f"{STATE_FILE}.tmp")
            tmp.write_text(json.dumps(state, indent=2))
            tmp.replace(path)  # readers never see half a file
        return state

    def stop(self) -> None:
        """Stop the services (letting them drain), then the servers; forget every PID."""
        services = [p for p in self.parts.values() if isinstance(p, ServicePart)]
        for service in services:
            service.terminate()
        for service in services:
            service.wait()
            self.registry.forget(service.name)
        servers = [p for p in self.parts.values() if isinstance(p, ServerPart)]
        for server in reversed(servers):
            server.stop()
            self.registry.forget(server.name)
        (self.config.data_dir / STATE_FILE).unlink(missing_ok=True)
        shutil.rmtree(self.config.data_dir / RESTART_DIR, ignore_errors=True)


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def stop_on_signals(signals: StopSignals) -> Iterator[None]:
    previous = {s: signal.signal(s, signals.handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def read_state(data_dir: Path) -> dict[str, Any]:
    path = data_dir / STATE_FILE
    if not path.exists():
        raise FileNotFoundError(f"no running suite in {data_dir} (start one with `tak up`)")
    state: dict[str, Any] = json.loads(path.read_text())
    return state

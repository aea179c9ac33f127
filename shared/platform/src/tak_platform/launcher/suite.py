"""``tak up``: the whole suite on one machine, in the foreground, until Ctrl-C (DESIGN.md §6).

Everything lives in one data folder: the servers' data, each child's log, the PIDs of every
child (so the next start stops what a crashed run left behind) and the suite's state for
``tak status`` and ``tak demo``.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from tak_platform.servers import PidRegistry, ServerProcess, start_nats, start_postgres, stop_pid

SERVICES = ("intake", "placements", "evictions", "reporting")
DEFAULT_PORTS = {
    "nats": 14222,
    "intake": 8101,
    "placements": 8102,
    "evictions": 8103,
    "reporting": 8104,
}
STATE_FILE = "state.json"


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
class Suite:
    config: SuiteConfig
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    servers: list[ServerProcess] = field(default_factory=list)

    @property
    def registry(self) -> PidRegistry:
        return PidRegistry(self.config.data_dir / "pids.json")

    def urls(self) -> dict[str, str]:
        return {s: f"http://{self.config.host}:{self.config.ports[s]}" for s in SERVICES}

    def start(self) -> dict[str, Any]:
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        for name in self.registry.stop_leftovers():
            print(f"stopped {name}, left behind by an earlier run")
        nats_url = self.config.nats_url or self._start_nats()
        database_url = self.config.database_url or self._start_postgres()
        env = self._service_env(nats_url, database_url)
        for service in SERVICES:
            self._spawn(service, env | {"TAK_HTTP_PORT": str(self.config.ports[service])})
        self._wait_healthy()
        state = {
            "nats_url": nats_url,
            "services": self.urls(),
            "district": self.config.district,
            "pids": {n: p.pid for n, p in self.children.items()},
            "started_at": time.time(),
        }
        (self.config.data_dir / STATE_FILE).write_text(json.dumps(state, indent=2))
        return state

    def _start_nats(self) -> str:
        server = start_nats(self.config.data_dir / "nats", port=self.config.ports["nats"])
        self.registry.record(server.name, server.pid)
        self.servers.append(server)
        return server.url

    def _start_postgres(self) -> str:
        server = start_postgres(self.config.data_dir / "postgres")
        self.registry.record(server.name, server.pid, sig=signal.SIGINT)
        self.servers.append(server)
        return server.url

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

    def _spawn(self, service: str, env: dict[str, str]) -> None:
        logs = self.config.data_dir / "logs"
        logs.mkdir(exist_ok=True)
        with (logs / f"{service}.log").open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", f"tak_{service}"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        self.children[service] = proc
        self.registry.record(service, proc.pid)

    def _wait_healthy(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        waiting = dict(self.urls())
        while waiting:
            for service, url in list(waiting.items()):
                self._check_alive(service)
                if _healthy(url):
                    del waiting[service]
            if time.monotonic() > deadline:
                raise RuntimeError(f"not healthy within {timeout:.0f}s: {', '.join(waiting)}")
            time.sleep(0.2)

    def _check_alive(self, service: str) -> None:
        code = self.children[service].poll()
        if code is not None:
            log = self.config.data_dir / "logs" / f"{service}.log"
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise RuntimeError(f"{service} exited with {code} while starting:\n{tail}")

    def stop(self) -> None:
        """Stop the services (letting them drain), then the servers; forget every PID."""
        for proc in self.children.values():
            if proc.poll() is None:
                proc.terminate()
        for service, proc in self.children.items():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                stop_pid(proc.pid, timeout=1)
            self.registry.forget(service)
        for server in reversed(self.servers):
            server.stop()
            self.registry.forget(server.name)
        (self.config.data_dir / STATE_FILE).unlink(missing_ok=True)

    def watch(self) -> None:
        """Block until SIGINT/SIGTERM; report a child that exits."""
        reported: set[str] = set()
        while True:
            for service, proc in self.children.items():
                if proc.poll() is not None and service not in reported:
                    print(f"{service} exited with {proc.returncode}; see its log", flush=True)
                    reported.add(service)
            time.sleep(0.5)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def stop_on_signals() -> Iterator[None]:
    def patient(signum: int, frame: FrameType | None) -> None:
        print("already stopping; please wait", flush=True)

    def raise_stop(signum: int, frame: FrameType | None) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut the stop short
            signal.signal(sig, patient)
        raise Stop(signal.Signals(signum).name)

    previous = {s: signal.signal(s, raise_stop) for s in (signal.SIGINT, signal.SIGTERM)}
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

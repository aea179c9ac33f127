"""Shared by the benchmarks: throwaway servers, CPU accounting and the output lines."""

from __future__ import annotations

import contextlib
import datetime
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from tak_launcher.servers import ServerProcess, free_port, start_nats, start_postgres
from tak_launcher.testing import service_process

FAST = False
"""Benchmarks run PostgreSQL with its durable defaults (fsync, synchronous_commit on)."""


@dataclass
class Servers:
    nats: ServerProcess
    postgres: ServerProcess


@contextlib.contextmanager
def servers() -> Iterator[Servers]:
    """nats-server (JetStream, ``sync_interval: always``) and PostgreSQL in a temp dir.

    Both are stopped by PID and the directory removed, however the benchmark ends.
    """
    root = Path(tempfile.mkdtemp(prefix="tak-bench-"))
    started: list[ServerProcess] = []
    # SIGTERM (a timeout, kill) ends the run through the finally below, not around it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        nats_server = start_nats(root / "nats", port=0)
        started.append(nats_server)
        postgres = start_postgres(root / "pg", fast=FAST)
        started.append(postgres)
        yield Servers(nats_server, postgres)
    finally:
        for server in reversed(started):
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def evictions_service(
    srv: Servers, log: Path, *, district: str, pseudonym_key: str, database: str | None = None
) -> Iterator[tuple[str, int]]:
    """``python -m tak_evictions`` on the benchmark's servers, as ``tak up`` runs it, once its
    ``/health`` says NATS is connected: its URL and PID; stopped afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "TAK_NATS_URL": srv.nats.url,
        "TAK_DATABASE_URL": srv.postgres.url,
        "TAK_DISTRICT": district,
        "TAK_HTTP_PORT": str(port),
        "TAK_PSEUDONYM_KEY": pseudonym_key,
    } | ({"TAK_DATABASE_NAME": database} if database else {})
    with service_process("evictions", env, url, log) as proc:
        yield url, proc.pid


def _tree_cpu(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its live children (exited children are lost)."""
    total = 0.0
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = p.cpu_times()
            total += times.user + times.system
    return total


class CpuMeter:
    """CPU seconds used by this process, nats-server and PostgreSQL (postmaster + backends)."""

    def __init__(self, srv: Servers) -> None:
        self.pids = {
            "bench (python)": os.getpid(),
            "nats-server": srv.nats.pid,
            "postgres": srv.postgres.pid,
        }
        self.start: dict[str, float] = {}
        self.wall = 0.0

    def __enter__(self) -> CpuMeter:
        self.start = {name: _tree_cpu(pid) for name, pid in self.pids.items()}
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._t0
        self.used = {name: _tree_cpu(pid) - self.start[name] for name, pid in self.pids.items()}

    def line(self) -> str:
        parts = ", ".join(f"{name} {sec:.1f} s" for name, sec in self.used.items())
        return f"CPU over {self.wall:.1f} s wall: {parts} (of {self.wall * cores():.1f} core-s)"


def cores() -> int:
    return os.cpu_count() or 1


def header(title: str) -> str:
    today = datetime.date.today().isoformat()
    return (
        f"{title}\n{today}, {platform.node()}: nproc {cores()},"
        f" Python {platform.python_version()};"
        f" PostgreSQL {'fast (fsync off)' if FAST else 'durable (fast=False: fsync on)'},"
        " nats-server JetStream file store with sync_interval: always;"
        f" load average at start {os.getloadavg()[0]:.2f}"
    )


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>10,.0f} /s  ({count:,} in {seconds:.2f} s)"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of ``values``."""
    ranked = sorted(values)
    return ranked[min(len(ranked) - 1, max(0, -(-q * len(ranked) // 100) - 1))]

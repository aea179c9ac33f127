"""The embedded servers start, are usable, restart on their data and stop without leftovers."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import nats
import psutil
import psycopg
import pytest

from tak_launcher.servers import (
    PidRegistry,
    ServerProcess,
    ServerStartError,
    free_port,
    start_nats,
    start_postgres,
    stop_pid,
)
from tak_launcher.testing import server_tmp_dir
from tak_platform.database import create_database, drop_database

pytestmark = pytest.mark.integration


def gone(pid: int) -> bool:
    """Exited (a zombie whose parent does not reap it counts as exited)."""
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def wait_until(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def pg_setting(url: str, name: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT current_setting(%s)", (name,)).fetchone()
    assert row is not None
    return str(row[0])


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(["sleep", "60"])
    yield proc
    proc.kill()
    proc.wait()


@pytest.fixture
def pg_dir() -> Iterator[Path]:
    """Not under tmp_path: see server_tmp_dir."""
    with server_tmp_dir("tak-test-pg-") as path:
        yield path


@pytest.fixture(scope="module")
def pg() -> Iterator[ServerProcess]:
    with server_tmp_dir("tak-test-pg-") as path:
        server = start_postgres(path, fast=True)
        yield server
        server.stop()


# --------------------------------------------------------------------------- NATS


async def test_nats_has_jetstream_with_sync_always(tmp_path: Path) -> None:
    server = start_nats(tmp_path, monitor_port=0)
    try:
        assert "sync_interval: always" in (tmp_path / "nats-server.conf").read_text()
        assert server.url.startswith("nats://127.0.0.1:")
        nc = await nats.connect(server.url)
        try:
            info = await nc.jetstream().account_info()
        finally:
            await nc.close()
        assert info.streams == 0
        assert server.monitor_url is not None
        async with httpx.AsyncClient() as client:
            varz = (await client.get(f"{server.monitor_url}/varz")).json()
        assert varz["jetstream"]["config"]["sync_always"] is True
        assert varz["jetstream"]["config"]["store_dir"].startswith(str(tmp_path))
    finally:
        server.stop()
    assert gone(server.pid)


def test_nats_on_a_fixed_port(tmp_path: Path) -> None:
    port = free_port()
    server = start_nats(tmp_path, port=port)
    try:
        assert server.url == f"nats://127.0.0.1:{port}"
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        server.stop()
    assert gone(server.pid)
    assert not list(tmp_path.glob("nats-server_*.ports"))  # removed on clean shutdown


def test_nats_start_failure_shows_the_log(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServerStartError, match=r"(?s)exited.*address already in use"):
            start_nats(tmp_path, port=port)


def test_nats_restart_keeps_streams(tmp_path: Path) -> None:
    async def add_stream(url: str) -> None:
        nc = await nats.connect(url)
        await nc.jetstream().add_stream(name="KEEP", subjects=["keep.>"])
        await nc.jetstream().publish("keep.one", b"x")
        await nc.close()

    async def count(url: str) -> int:
        nc = await nats.connect(url)
        info = await nc.jetstream().stream_info("KEEP")
        await nc.close()
        return info.state.messages

    first = start_nats(tmp_path)
    try:
        asyncio.run(add_stream(first.url))
    finally:
        first.stop()
    second = start_nats(tmp_path)
    try:
        assert asyncio.run(count(second.url)) == 1
    finally:
        second.stop()


# --------------------------------------------------------------------------- PostgreSQL


async def test_postgres_url_works_with_asyncpg_and_psycopg(pg: ServerProcess) -> None:
    assert "host=" in pg.url
    conn = await asyncpg.connect(pg.url)
    try:
        assert await conn.fetchval("SELECT current_database()") == "postgres"
    finally:
        await conn.close()
    async with await psycopg.AsyncConnection.connect(pg.url) as aconn:
        cur = await aconn.execute("SELECT current_user")
        assert await cur.fetchone() == ("postgres",)


def test_postgres_fast_settings_and_max_connections(pg: ServerProcess) -> None:
    assert pg_setting(pg.url, "max_connections") == "200"
    for name in ("fsync", "synchronous_commit", "full_page_writes"):
        assert pg_setting(pg.url, name) == "off"


async def test_create_database(pg: ServerProcess) -> None:
    url = create_database(pg.url, "tak_create_test")
    assert create_database(pg.url, "tak_create_test") == url  # exists already: fine
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT current_database()") == "tak_create_test"
    finally:
        await conn.close()
    drop_database(pg.url, "tak_create_test")
    drop_database(pg.url, "tak_create_test")  # missing: fine
    with psycopg.connect(pg.url) as conn2:
        row = conn2.execute("SELECT count(*) FROM pg_database WHERE datname = 'tak_create_test'")
        assert row.fetchone() == (0,)


def test_postgres_restart_reuses_data_and_stops_cleanly(pg_dir: Path) -> None:
    first = start_postgres(pg_dir, fast=True)
    try:
        with psycopg.connect(first.url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (v text)")
            conn.execute("INSERT INTO kept VALUES ('still here')")
        family = [first.pid, *(c.pid for c in psutil.Process(first.pid).children(recursive=True))]
        assert len(family) > 1
    finally:
        first.stop()
    assert all(gone(pid) for pid in family)

    started = time.monotonic()
    second = start_postgres(pg_dir)  # fast=False resets the fast settings
    try:
        assert time.monotonic() - started < 5  # no initdb this time
        assert second.pid != first.pid
        with psycopg.connect(second.url) as conn:
            assert conn.execute("SELECT v FROM kept").fetchall() == [("still here",)]
        assert wait_until(lambda: pg_setting(second.url, "fsync") == "on")
    finally:
        second.stop()
    assert gone(second.pid)
    second.stop()  # again: a no-op


def test_postgres_start_after_a_hard_kill(pg_dir: Path) -> None:
    first = start_postgres(pg_dir, fast=True)
    stop_pid(first.pid, sig=signal.SIGKILL)  # leaves a stale postmaster.pid
    second = start_postgres(pg_dir, fast=True)
    try:
        assert pg_setting(second.url, "fsync") == "off"
    finally:
        second.stop()


# --------------------------------------------------------------------------- PIDs


def test_stop_pid(sleeper: subprocess.Popen[bytes]) -> None:
    assert stop_pid(sleeper.pid, timeout=5) is True
    assert gone(sleeper.pid)
    assert stop_pid(sleeper.pid) is False


def test_registry_stops_a_recorded_live_child(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    registry = PidRegistry(tmp_path / "pids.json")
    registry.record("sleeper", sleeper.pid)
    entry = json.loads((tmp_path / "pids.json").read_text())["sleeper"]
    assert entry["pid"] == sleeper.pid
    assert entry["cmdline0"] == "sleep"
    assert registry.stop_leftovers(timeout=5) == ["sleeper"]
    assert gone(sleeper.pid)
    assert registry.stop_leftovers() == []  # entry dropped


def test_registry_never_kills_a_recycled_pid(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    path = tmp_path / "pids.json"
    registry = PidRegistry(path)
    registry.record("sleeper", sleeper.pid)
    entries = json.loads(path.read_text())
    entries["sleeper"]["create_time"] -= 1000  # same pid, another process
    path.write_text(json.dumps(entries))
    assert registry.stop_leftovers(timeout=1) == []
    assert sleeper.poll() is None
    assert json.loads(path.read_text()) == {}


def test_registry_leaves_a_live_owners_processes_alone(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    path = tmp_path / "pids.json"
    registry = PidRegistry(path)
    registry.record("sleeper", sleeper.pid)
    owner = subprocess.Popen(["sleep", "60"])  # stands in for another live test run
    try:
        entries = json.loads(path.read_text())
        entries["sleeper"]["owner_pid"] = owner.pid
        entries["sleeper"]["owner_create_time"] = psutil.Process(owner.pid).create_time()
        path.write_text(json.dumps(entries))
        assert registry.stop_leftovers(timeout=1) == []
        assert sleeper.poll() is None
    finally:
        owner.kill()
        owner.wait()
    assert registry.stop_leftovers(timeout=5) == ["sleeper"]  # owner gone: a leftover now
    assert gone(sleeper.pid)


def test_registry_also_stops_children(tmp_path: Path) -> None:
    parent = subprocess.Popen(["sh", "-c", "sleep 60 & sleep 60"])
    try:
        assert wait_until(lambda: len(psutil.Process(parent.pid).children()) >= 1)
        children = [c.pid for c in psutil.Process(parent.pid).children(recursive=True)]
        registry = PidRegistry(tmp_path / "pids.json")
        registry.record("tree", parent.pid)
        assert registry.stop_leftovers(timeout=5) == ["tree"]
        assert gone(parent.pid)
        assert all(gone(pid) for pid in children)
    finally:
        parent.kill()
        parent.wait()


def test_registry_forget(tmp_path: Path, sleeper: subprocess.Popen[bytes]) -> None:
    registry = PidRegistry(tmp_path / "pids.json")
    registry.record("sleeper", sleeper.pid)
    registry.forget("sleeper")
    registry.forget("never-recorded")
    assert registry.stop_leftovers() == []
    assert sleeper.poll() is None


# --------------------------------------------------------------------------- plugin


async def test_plugin_fixtures(
    nats_url: str, postgres_url: str, make_database: Callable[[str], str]
) -> None:
    nc = await nats.connect(nats_url)
    try:
        await nc.jetstream().account_info()
    finally:
        await nc.close()
    first, second = make_database("plugin"), make_database("plugin")
    assert first != second
    for url in (first, second):
        conn = await asyncpg.connect(url)
        try:
            assert (await conn.fetchval("SELECT current_database()")).startswith("plugin_")
        finally:
            await conn.close()


def test_free_port_is_bindable() -> None:
    port = free_port()
    assert 1024 <= port <= 65535

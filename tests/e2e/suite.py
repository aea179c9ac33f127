"""Driving ``tak up`` from a test: start it on free ports in a temporary folder, read its state."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from tak_launcher.servers import free_port

TAK = Path(sys.executable).parent / "tak"
PARTS = ("nats", "intake", "placements", "evictions", "reporting")
T = TypeVar("T")


class RunningSuite:
    tak_path = TAK

    def __init__(self, data_dir: Path, ports: dict[str, int]) -> None:
        self.data_dir, self.ports = data_dir, ports
        args = [str(TAK), "up", "--data-dir", str(data_dir)] + [
            a for name, port in ports.items() for a in (f"--{name}-port", str(port))
        ]
        env = {k: v for k, v in os.environ.items() if k not in ("TAK_NATS_URL", "TAK_DATABASE_URL")}
        self.log = (data_dir.parent / "tak-up.log").open("ab")
        self.proc = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def state(self, timeout: float = 180.0) -> dict[str, Any]:
        path, deadline = self.data_dir / "state.json", time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, f"tak up exited: {self.output()}"
            try:
                return dict(json.loads(path.read_text()))
            except (FileNotFoundError, json.JSONDecodeError):
                assert time.monotonic() < deadline, f"tak up did not come up: {self.output()}"
                time.sleep(0.25)

    def output(self) -> str:
        self.log.flush()
        return (self.data_dir.parent / "tak-up.log").read_text(errors="replace")[-4000:]

    def tak(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            [str(TAK), *args, "--data-dir", str(self.data_dir)],
            capture_output=True,
            text=True,
            timeout=60,
            check=check,
        )
        return done.stdout

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(90)
        self.log.close()


def started_suite() -> Iterator[RunningSuite]:
    """A suite on free ports in a fresh folder, stopped and removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="tak-e2e-"))
    running = RunningSuite(base / "data", {part: free_port() for part in PARTS})
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(base, ignore_errors=True)


def wait_until(check: Callable[[], T | None], timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.25)

"""The evictions service as a process, on a district, stream and database of the test's own,
over the real NATS and PostgreSQL the test plugin starts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from uuid import uuid4

import httpx
import pytest

from tak_launcher.servers import free_port


@dataclass(frozen=True)
class Service:
    url: str
    nats_url: str
    district: str
    stream: str
    pid: int

    def subject(self, service: str, event_name: str) -> str:
        return f"tak.{self.district}.{service}.{event_name}.v1"


@pytest.fixture
def service(
    nats_url: str, postgres_url: str, make_database: Callable[[str], str], tmp_path: Path
) -> Iterator[Service]:
    """``python -m tak_evictions`` on a district, stream and database of this test's own."""
    district, port = f"c{uuid4().hex[:10]}", free_port()
    url, stream = f"http://127.0.0.1:{port}", f"C_{district.upper()}"
    env = os.environ | {
        "TAK_NATS_URL": nats_url,
        "TAK_DATABASE_URL": postgres_url,
        "TAK_DATABASE_NAME": urlsplit(make_database("evictions")).path.lstrip("/"),
        "TAK_DISTRICT": district,
        "TAK_STREAM_NAME": stream,
        "TAK_STREAM_SUBJECTS": f'["tak.{district}.>"]',
        "TAK_HTTP_PORT": str(port),
        "TAK_PSEUDONYM_KEY": "component-test-city-key-0123456789",
    }
    log = tmp_path / "evictions.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tak_evictions"], env=env, stdout=out, stderr=out
        )
    try:
        _wait_until_connected(url, proc, log)
        yield Service(url, nats_url, district, stream, proc.pid)
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
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the service did not come up: {log.read_text()[-3000:]}")

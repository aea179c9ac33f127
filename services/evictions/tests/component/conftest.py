"""The evictions service as a process, on a district, stream and database of the test's own,
over the real NATS and PostgreSQL the test plugin starts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from uuid import uuid4

import pytest

from tak_launcher.servers import free_port
from tak_launcher.testing import service_process


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
    env = {
        "TAK_NATS_URL": nats_url,
        "TAK_DATABASE_URL": postgres_url,
        "TAK_DATABASE_NAME": urlsplit(make_database("evictions")).path.lstrip("/"),
        "TAK_DISTRICT": district,
        "TAK_STREAM_NAME": stream,
        "TAK_STREAM_SUBJECTS": f'["tak.{district}.>"]',
        "TAK_HTTP_PORT": str(port),
        "TAK_PSEUDONYM_KEY": "component-test-city-key-0123456789",
    }
    with service_process("evictions", env, url, tmp_path / "evictions.log") as proc:
        yield Service(url, nats_url, district, stream, proc.pid)

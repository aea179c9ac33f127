"""NATS away at start: the service starts, says so on /health, stores commands, catches up."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from tak_evictions.demo import threat
from tak_launcher.servers import free_port, start_nats

pytestmark = pytest.mark.integration


def wait_for(check, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
    return result


def health(url: str) -> dict[str, object] | None:
    try:
        return dict(httpx.get(f"{url}/health", timeout=2).json())
    except httpx.HTTPError:
        return None


def test_commands_are_stored_while_nats_is_down_and_published_when_it_returns(
    postgres_url: str, tmp_path: Path
) -> None:
    nats_port, http_port, district = free_port(), free_port(), f"o{uuid4().hex[:8]}"
    url = f"http://127.0.0.1:{http_port}"
    env = os.environ | {
        "TAK_NATS_URL": f"nats://127.0.0.1:{nats_port}",
        "TAK_DATABASE_URL": postgres_url,
        "TAK_DATABASE_NAME": f"evictions_{district}",
        "TAK_DISTRICT": district,
        "TAK_STREAM_NAME": f"O_{district.upper()}",
        "TAK_STREAM_SUBJECTS": f'["tak.{district}.>"]',
        "TAK_HTTP_PORT": str(http_port),
        "TAK_PSEUDONYM_KEY": "k" * 32,
    }
    with (tmp_path / "evictions.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tak_evictions"], env=env, stdout=log, stderr=log
        )
    nats = None
    try:
        assert wait_for(lambda: health(url))["nats"] == "unavailable"
        rng = random.Random(5)
        for _ in range(3):
            assert (
                httpx.post(
                    f"{url}/api/cases", json=threat(rng, date.today()), timeout=10
                ).status_code
                == 201
            )
        nats = start_nats(Path(tempfile.mkdtemp(prefix="tak-outage-")), port=nats_port)
        relay = wait_for(lambda: _relay_done(url, 3), timeout=60)
        assert relay["published"] == 3 and relay["lag"] == 0
    finally:
        proc.terminate()
        proc.wait(30)  # uvicorn re-raises SIGTERM once it has shut down gracefully
        assert "Application shutdown complete" in (tmp_path / "evictions.log").read_text()
        if nats is not None:
            nats.stop()


def _relay_done(url: str, count: int) -> dict[str, int] | None:
    body = health(url)
    relay = body.get("relay") if body else None
    ok = isinstance(relay, dict) and relay.get("position") == count and body["nats"] == "connected"  # type: ignore[index]
    return relay if ok else None  # type: ignore[return-value]

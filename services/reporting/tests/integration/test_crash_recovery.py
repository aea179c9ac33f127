"""Reporting killed mid-batch, then restarted: its tables equal a clean rebuild
(docs/architecture.md, read side)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from uuid import uuid4

import asyncpg
import pytest
from nats.aio.client import Client

from tak_launcher.servers import free_port
from tak_platform.database import create_database
from tak_reporting.rebuild import rebuild

from .conftest import publish_events

pytestmark = pytest.mark.integration

TABLES = {
    "event_counts": "SELECT district, service, event_type, events FROM event_counts ORDER BY 1,2,3",
    "event_log": "SELECT event_id, stream_sequence, prev_hash, hash FROM event_log"
    " ORDER BY position",
    "dead_letters": "SELECT stream_sequence, nats_subject, reason FROM dead_letters ORDER BY 1",
}


def start_reporting(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tak_reporting"], env=os.environ | env, stdout=out, stderr=out
        )


async def position(db: str) -> int:
    conn = await asyncpg.connect(db)
    try:
        if not await conn.fetchval("SELECT to_regclass('consumer_position') IS NOT NULL"):
            return 0
        return int(
            await conn.fetchval("SELECT coalesce(max(stream_sequence), 0) FROM consumer_position")
            or 0
        )
    finally:
        await conn.close()


async def tables(db: str) -> dict[str, list[tuple[object, ...]]]:
    conn = await asyncpg.connect(db)
    try:
        return {name: [tuple(r) for r in await conn.fetch(q)] for name, q in TABLES.items()}
    finally:
        await conn.close()


async def wait_position(db: str, target: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while await position(db) < target:
        assert time.monotonic() < deadline, f"reporting stuck at {await position(db)} < {target}"
        await asyncio.sleep(0.1)


async def test_reporting_killed_mid_batch_resumes_to_tables_equal_to_a_clean_rebuild(
    nats_client: Client,
    nats_url: str,
    postgres_url: str,
    district: str,
    stream: str,
    tmp_path: Path,
) -> None:
    last = await publish_events(nats_client, district, 20_000, malformed_every=997)
    name = f"reporting_{uuid4().hex[:8]}"
    db = create_database(postgres_url, name)
    env = {
        "TAK_NATS_URL": nats_url,
        "TAK_DATABASE_URL": postgres_url,
        "TAK_DATABASE_NAME": name,
        "TAK_STREAM_NAME": stream,
        "TAK_STREAM_SUBJECTS": f'["tak.{district}.>"]',
        "TAK_SUBJECT_FILTER": f"tak.{district}.>",
        "TAK_HTTP_PORT": str(free_port()),
        "TAK_PSEUDONYM_KEY": "k" * 32,
        "TAK_BATCH_SIZE": "500",
        "TAK_ACK_WAIT_SECONDS": "2",
        "TAK_DISTRICT": district,
    }
    proc = start_reporting(env, tmp_path / "reporting.log")
    try:
        await wait_position(db, 1)
        await asyncio.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        killed_at = await position(db)
        assert 0 < killed_at < last, "the kill must land before the consumer caught up"
        proc = start_reporting(env, tmp_path / "reporting.log")
        await wait_position(db, last)
    finally:
        proc.terminate()
        proc.wait(30)

    clean = create_database(postgres_url, f"rebuild_{uuid4().hex[:8]}")
    assert await rebuild(nats_url, stream, f"tak.{district}.>", clean) == last
    live, rebuilt = await tables(db), await tables(clean)
    assert len(live["dead_letters"]) == 20_000 // 997
    assert sum(row[3] for row in live["event_counts"]) == 20_000 - 20_000 // 997  # type: ignore[misc]
    assert live == rebuilt

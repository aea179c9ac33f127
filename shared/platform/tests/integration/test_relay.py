"""The outbox relay against real PostgreSQL and NATS JetStream (docs/architecture.md, the relay)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from ledger import LedgerApp, to_integration, write_notes
from nats.aio.client import Client
from nats.js.api import PubAck
from nats.js.errors import NotFoundError

from tak_contracts import from_nats
from tak_platform import relay as relay_module
from tak_platform.relay import Relay, event_id
from tak_platform.streams import declare_stream, stream_config

pytestmark = pytest.mark.integration

SUPPORT = Path(__file__).parent.parent / "support"


@pytest.fixture
def ledger_db(make_database) -> str:  # type: ignore[no-untyped-def]
    url: str = make_database("ledger")
    LedgerApp.for_database(url).close()
    return url


class RelayProcess:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(SUPPORT / "ledger.py")], env=os.environ | self.env
        )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)


@pytest.fixture
def relay_env(ledger_db: str, nats_url: str, district: str) -> dict[str, str]:
    return {
        "LEDGER_DATABASE_URL": ledger_db,
        "LEDGER_NATS_URL": nats_url,
        "LEDGER_DISTRICT": district,
        "LEDGER_STREAM": f"T_{district.upper()}",
        "LEDGER_BATCH": "250",
    }


@pytest.fixture
def relay(relay_env: dict[str, str]) -> Iterator[RelayProcess]:
    process = RelayProcess(relay_env)
    yield process
    process.stop()


async def make_stream(nats_client: Client, district: str, window: float) -> str:
    config = stream_config(f"T_{district.upper()}", [f"tak.{district}.>"])
    config.duplicate_window = window
    await declare_stream(nats_client.jetstream(), config)
    return config.name or ""


async def stream_count(nats_client: Client, stream: str) -> int:
    return int((await nats_client.jetstream().stream_info(stream)).state.messages)


def stored_position(db: str) -> int:
    with psycopg.connect(db) as conn:
        row = conn.execute("SELECT to_regclass('relay_position') IS NOT NULL").fetchone()
        if not row or not row[0]:
            return 0
        row = conn.execute("SELECT max(notification_id) FROM relay_position").fetchone()
    return int(row[0]) if row and row[0] else 0


async def sequences_on(nats_client: Client, stream: str) -> list[int]:
    """The ``ce-sequence`` of every message in the stream, in stream order."""
    js = nats_client.jetstream()
    sub = await js.pull_subscribe("", stream=stream, config=None)
    found: list[int] = []
    total = await stream_count(nats_client, stream)
    while len(found) < total:
        for msg in await sub.fetch(1000, timeout=5):
            found.append(from_nats(msg.headers, msg.data).sequence)
            await msg.ack()
    await sub.unsubscribe()
    return found


async def wait_for(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def kill_between_ack_and_position(
    relay: RelayProcess, nats_client: Client, stream: str, db: str
) -> tuple[int, int]:
    """SIGKILL the relay at a moment the stream holds more than the stored position."""
    relay.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        on_stream, position = await stream_count(nats_client, stream), stored_position(db)
        if on_stream > position and position > 0:
            relay.kill()
            return await stream_count(nats_client, stream), stored_position(db)
        await asyncio.sleep(0.002)
    raise AssertionError("never caught the relay between the ack and the position store")


@pytest.mark.parametrize(
    ("window", "pause"), [(120.0, 0.0), (1.0, 1.5)], ids=["inside-dedup-window", "after-window"]
)
async def test_relay_killed_between_ack_and_position_publishes_each_event_exactly_once(
    relay: RelayProcess,
    relay_env: dict[str, str],
    nats_client: Client,
    district: str,
    window: float,
    pause: float,
) -> None:
    db = relay_env["LEDGER_DATABASE_URL"]
    stream = await make_stream(nats_client, district, window)
    app = LedgerApp.for_database(db)
    write_notes(app, 6000)
    app.close()

    on_stream, position = await kill_between_ack_and_position(relay, nats_client, stream, db)
    assert on_stream > position, "the kill must leave acknowledged events past the position"
    await asyncio.sleep(pause)  # past the dedup window, Nats-Msg-Id no longer protects
    relay.start()
    await wait_for(lambda: _settled(nats_client, stream, db, 6000))

    assert await sequences_on(nats_client, stream) == list(range(1, 6001))


async def _settled(nats_client: Client, stream: str, db: str, total: int) -> bool:
    return await stream_count(nats_client, stream) >= total and stored_position(db) == total


async def test_second_relay_stands_by_and_takes_over_when_the_first_dies(
    relay_env: dict[str, str], nats_client: Client, district: str
) -> None:
    db = relay_env["LEDGER_DATABASE_URL"]
    stream = await make_stream(nats_client, district, 120.0)
    first, second = RelayProcess(relay_env), RelayProcess(relay_env)
    try:
        first.start()
        app = LedgerApp.for_database(db)
        write_notes(app, 1000)
        await wait_for(lambda: _settled(nats_client, stream, db, 1000))
        second.start()
        await asyncio.sleep(1.0)
        first.kill()
        write_notes(app, 1000)
        app.close()
        await wait_for(lambda: _settled(nats_client, stream, db, 2000))
        assert await sequences_on(nats_client, stream) == list(range(1, 2001))
    finally:
        first.stop()
        second.stop()


async def test_relay_publishes_valid_cloudevents_with_ids_derived_from_the_log(
    relay: RelayProcess, relay_env: dict[str, str], nats_client: Client, district: str
) -> None:
    db = relay_env["LEDGER_DATABASE_URL"]
    stream = await make_stream(nats_client, district, 120.0)
    app = LedgerApp.for_database(db)
    ids = write_notes(app, 3)
    app.close()
    relay.start()
    await wait_for(lambda: _settled(nats_client, stream, db, 3))
    msg = await nats_client.jetstream().get_msg(stream, seq=1)
    event = from_nats(msg.headers, msg.data or b"")
    assert event.subject == str(ids[0])
    assert event.type == "se.tak.intake.person_registered.v1"
    assert event.source == f"/tak/{district}/intake"
    assert (msg.headers or {})["Nats-Msg-Id"] == str(event.id)
    assert event.event().person_id == ids[0]  # type: ignore[attr-defined]


async def test_a_gap_left_by_a_failed_publish_is_filled_after_a_restart_and_nothing_repeats(
    relay: RelayProcess, relay_env: dict[str, str], nats_client: Client, district: str
) -> None:
    """Notification 1 failed while 2 and 3 were acknowledged, then the relay died before it
    stored a position; it restarts after the dedup window."""
    db = relay_env["LEDGER_DATABASE_URL"]
    stream = await make_stream(nats_client, district, 1.0)
    app = LedgerApp.for_database(db)
    write_notes(app, 3)
    shadow = Relay(
        service="intake",
        district=district,
        database_url=db,
        stream=stream,
        app=app,
        mapping=to_integration,
    )
    rows = app.recorder.select_notifications(start=1, limit=3)
    for event in shadow._messages(rows)[1:]:
        await nats_client.jetstream().publish(
            event.nats_subject(), event.data, headers=event.headers()
        )
    app.close()
    await asyncio.sleep(1.5)
    relay.start()
    await wait_for(lambda: _settled(nats_client, stream, db, 3))
    await asyncio.sleep(0.5)
    assert sorted(await sequences_on(nats_client, stream)) == [1, 2, 3]


async def test_a_forged_message_with_the_next_event_id_raises_the_duplicate_alarm(
    relay_env: dict[str, str], nats_client: Client, district: str
) -> None:
    """Someone publishes first with the id the relay will derive for its next event: JetStream
    drops the real event as a duplicate. The relay must say so, not carry on silently."""
    db = relay_env["LEDGER_DATABASE_URL"]
    stream = await make_stream(nats_client, district, 120.0)
    app = LedgerApp.for_database(db)
    relay = Relay(
        service="intake",
        district=district,
        database_url=db,
        stream=stream,
        app=app,
        mapping=to_integration,
    )
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(nats_client, stop))
    forged_id = str(event_id(district, "intake", 1, 0))
    await nats_client.jetstream().publish(
        f"tak.{district}.evictions.forged.v1", b"{}", headers={"Nats-Msg-Id": forged_id}
    )
    write_notes(app, 3)
    await wait_for(lambda: _position_is(relay, 3))
    stop.set()
    await running
    app.close()

    report = relay.status.report()
    assert relay.status.unexpected_duplicates == 1
    assert forged_id in str(relay.status.last_unexpected_duplicate)
    assert any("never published" in p for p in report["problems"])  # type: ignore[attr-defined]
    assert await stream_count(nats_client, stream) == 3  # the forgery and events 2 and 3


async def _position_is(relay: Relay, position: int) -> bool:
    return relay.status.position == position


class _ShuffledAcks:
    """A JetStream stand-in whose PubAcks come back late and out of order, and never for the
    first publish of every 7th notification (a lost ack: the relay must publish it again).
    Once the relay has given up on a publish, its ack never comes either."""

    def __init__(self) -> None:
        self.is_connected = True
        self.waiting: list[tuple[int, UUID, asyncio.Future[PubAck]]] = []
        self.acked: dict[UUID, int] = {}
        self.futures: list[asyncio.Future[PubAck]] = []
        self.most_unacked = 0
        self._lost: set[UUID] = set()
        self._random = random.Random(7)

    def jetstream(self, **_: object) -> _ShuffledAcks:
        return self

    async def get_last_msg(self, *_: object) -> None:
        raise NotFoundError

    async def publish_async(
        self, subject: str, payload: bytes, headers: dict[str, str]
    ) -> asyncio.Future[PubAck]:
        future: asyncio.Future[PubAck] = asyncio.get_running_loop().create_future()
        sequence, id_ = int(headers["ce-sequence"]), UUID(headers["Nats-Msg-Id"])
        self.futures.append(future)
        if sequence % 7 == 0 and id_ not in self._lost:
            self._lost.add(id_)  # this PubAck never comes
        else:
            self.waiting.append((sequence, id_, future))
        self.most_unacked = max(self.most_unacked, len(self.waiting))
        return future

    async def ack_shuffled(self) -> None:
        while True:
            await asyncio.sleep(0.002)
            self._random.shuffle(self.waiting)
            for _ in range(len(self.waiting) // 2):
                sequence, id_, future = self.waiting.pop()
                if future.cancelled():  # the relay gave up on it: lost, published again
                    continue
                assert id_ not in self.acked, f"event {sequence} published again after its ack"
                self.acked[id_] = sequence
                future.set_result(PubAck(stream="T", seq=len(self.acked), duplicate=False))


async def test_pipelined_batches_never_store_a_position_past_an_unacknowledged_event(
    ledger_db: str, district: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several batches in flight, acks out of order and some lost: every stored position has
    each event up to it acknowledged, positions only grow, and each event is acked once."""
    monkeypatch.setattr(relay_module, "PUBLISH_DEADLINE_SECONDS", 0.3)
    monkeypatch.setattr(relay_module, "RETRY_PAUSE_SECONDS", 0.01)
    monkeypatch.setattr(relay_module, "MAX_PENDING", 60)
    monkeypatch.setattr(relay_module, "POSITION_SECONDS", 0.0)  # each batch's position written
    app = LedgerApp.for_database(ledger_db)
    write_notes(app, 400)
    relay = Relay(
        service="intake",
        district=district,
        database_url=ledger_db,
        stream="T",
        app=app,
        mapping=to_integration,
        batch_size=20,
    )
    nats = _ShuffledAcks()
    stored: list[int] = []
    ahead = 0
    store = relay._store_position

    async def checked_store(conn: psycopg.AsyncConnection[Any]) -> None:
        nonlocal ahead
        position = relay.status.position
        on_stream = set(nats.acked.values())
        assert set(range(1, position + 1)) <= on_stream, f"{position} stored before its acks"
        assert not stored or position > stored[-1]
        ahead = max(ahead, max(on_stream) - position)
        stored.append(position)
        await store(conn)

    monkeypatch.setattr(relay, "_store_position", checked_store)
    stop = asyncio.Event()
    acking = asyncio.create_task(nats.ack_shuffled())
    running = asyncio.create_task(relay.run(nats, stop))  # type: ignore[arg-type]

    async def done() -> bool:
        for task in (running, acking):
            if task.done():
                task.result()  # raises what went wrong in the relay or the stand-in
        return relay.status.position == 400

    try:
        await wait_for(done, timeout=60)
    finally:
        stop.set()
        acking.cancel()
        running.cancel()  # a failed test leaves it waiting for acks; a passed one has stopped
        await asyncio.wait([running, acking])
        app.close()

    assert sorted(nats.acked.values()) == list(range(1, 401))
    given_up = sum(f.cancelled() for f in nats.futures)  # each published again, once
    assert len(nats.futures) == 400 + given_up and given_up >= 400 // 7
    assert stored[-1] == stored_position(ledger_db) == 400
    assert nats.most_unacked > 20, "batches never overlapped"
    assert ahead > 0, "acks never ran ahead of the stored position"

"""Reporting's store on real PostgreSQL: once per event, dead letters, the audit chain."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
import pytest

from tak_contracts import from_nats, wrap
from tak_reporting.projections import store
from tak_reporting.projections.audit import verify_chain
from tak_reporting.projections.store import RawMessage, apply_batch, create_schema

from .conftest import sample_event

pytestmark = pytest.mark.integration


@pytest.fixture
async def conn(make_database: Callable[[str], str]) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(make_database("reporting"))
    await create_schema(connection)
    yield connection
    await connection.close()


def message(seq: int, *, event_id: object = None, ce_type: str | None = None) -> RawMessage:
    event = wrap(
        sample_event(random.Random(seq)),
        id=event_id or uuid4(),  # type: ignore[arg-type]
        district="norrmalm",
        subject=str(uuid4()),
        time=datetime.now(UTC),
        sequence=seq,
    )
    headers = event.headers() | ({"ce-type": ce_type} if ce_type else {})
    return RawMessage(seq, event.nats_subject(), headers, event.data)


async def test_an_event_delivered_twice_is_counted_once(conn: asyncpg.Connection) -> None:
    same = uuid4()
    await apply_batch(conn, "c", [message(1, event_id=same)])
    await apply_batch(conn, "c", [message(2, event_id=same)])
    assert await conn.fetchval("SELECT sum(events) FROM event_counts") == 1
    assert await conn.fetchval("SELECT count(*) FROM event_log") == 1


async def test_unknown_and_malformed_messages_go_to_dead_letters_and_the_rest_is_applied(
    conn: asyncpg.Connection,
) -> None:
    batch = [
        message(1),
        message(2, ce_type="se.tak.unknown.thing_happened.v1"),
        RawMessage(3, "tak.norrmalm.intake.person_registered.v1", {}, b"{oops"),
        message(4),
    ]
    assert await apply_batch(conn, "c", batch) == 2
    reasons = [
        r["reason"]
        for r in await conn.fetch("SELECT reason FROM dead_letters ORDER BY stream_sequence")
    ]
    assert "not a known Tak contract" in reasons[0] and "missing CloudEvents" in reasons[1]
    assert await conn.fetchval("SELECT stream_sequence FROM consumer_position") == 4


async def test_the_audit_chain_verifies_and_cannot_be_rewritten(conn: asyncpg.Connection) -> None:
    await apply_batch(conn, "c", [message(i) for i in range(1, 6)])
    assert (await verify_chain(conn)) == {
        "valid": True,
        "events": 5,
        "head": (await _head(conn)).hex(),
    }
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await conn.execute("UPDATE event_log SET data = '{}' WHERE position = 2")


async def test_a_rewritten_event_breaks_the_chain_where_it_was_changed(
    conn: asyncpg.Connection,
) -> None:
    await apply_batch(conn, "c", [message(i) for i in range(1, 6)])
    await conn.execute("ALTER TABLE event_log DISABLE TRIGGER event_log_append_only")
    await conn.execute("UPDATE event_log SET data = '{}' WHERE position = 3")
    assert await verify_chain(conn) == {"valid": False, "events": 2, "broken_at": 3}


async def _head(conn: asyncpg.Connection) -> bytes:
    value: bytes = await conn.fetchval("SELECT hash FROM event_log ORDER BY position DESC LIMIT 1")
    return value


async def test_values_the_database_cannot_hold_go_to_dead_letters_and_the_rest_is_applied(
    conn: asyncpg.Connection,
) -> None:
    nul = message(2)
    nul = RawMessage(2, nul.subject, nul.headers | {"ce-correlationid": "%00"}, nul.body)
    huge = message(3)
    huge = RawMessage(3, huge.subject, huge.headers | {"ce-sequence": str(2**70)}, huge.body)
    assert await apply_batch(conn, "c", [message(1), nul, huge, message(4)]) == 2
    reasons = [
        r["reason"]
        for r in await conn.fetch("SELECT reason FROM dead_letters ORDER BY stream_sequence")
    ]
    assert "NUL" in reasons[0] and "out of range" in reasons[1]
    assert (await verify_chain(conn))["valid"]


async def test_an_event_the_database_refuses_is_set_aside_and_the_rest_stored(
    conn: asyncpg.Connection,
) -> None:
    """The backstop behind validation: whatever the database still refuses is set aside."""
    good, bad = message(1), message(2)
    bad_event = dataclasses.replace(from_nats(bad.headers, bad.body), correlationid="\x00")
    async with conn.transaction():
        kept, refused = await store._record(
            conn, [(good, from_nats(good.headers, good.body)), (bad, bad_event)]
        )
    assert [m.stream_sequence for m, _ in kept] == [1]
    assert [m.stream_sequence for m, _ in refused] == [2] and "cannot be stored" in refused[0][1]
    assert await conn.fetchval("SELECT count(*) FROM event_log") == 1


async def test_a_message_delivered_twice_in_one_batch_is_held_once(
    conn: asyncpg.Connection,
) -> None:
    """A redelivery can arrive in the same fetch as its first delivery."""
    first, second = message(1), message(2)
    await apply_batch(conn, "c", [first, second, first])
    held = await conn.fetchval(
        "SELECT (SELECT count(*) FROM event_log) + (SELECT count(*) FROM duplicate_messages)"
    )
    assert held == 2
    counts = await conn.fetchrow("SELECT events, duplicates FROM consumer_position")
    assert counts is not None and tuple(counts) == (2, 0)


async def test_a_dead_letter_with_a_nul_in_a_header_name_is_kept_not_retried_forever(
    conn: asyncpg.Connection,
) -> None:
    """Another client may send header names nats-py would refuse to; PostgreSQL's jsonb refuses
    NUL, so the dead letter writes it out instead of failing its whole batch."""
    bad = dataclasses.replace(message(1), headers={"x-\x00": "v"}, subject="tak.x\x00")
    await apply_batch(conn, "c", [bad, message(2)])
    row = await conn.fetchrow("SELECT headers::text AS h, nats_subject FROM dead_letters")
    assert row is not None
    assert "\\\\x00" in row["h"] and row["nats_subject"] == "tak.x\\x00"
    assert await conn.fetchval("SELECT count(*) FROM event_log") == 1

"""Reporting's tables: the audit copy of every event, dead letters, read models, position.

Each batch's rows and the consumer position commit in one transaction, and every event is
applied once by its id, so a replay or a redelivery changes nothing (docs/architecture.md,
read side).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from tak_contracts import CloudEvent, EnvelopeError, from_nats
from tak_reporting.projections.audit import append

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS consumer_position (
    consumer text PRIMARY KEY, stream_sequence bigint NOT NULL DEFAULT 0);
ALTER TABLE consumer_position ADD COLUMN IF NOT EXISTS events bigint NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS duplicates bigint NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS dead_letters bigint NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS duplicate_messages (
    stream_sequence bigint PRIMARY KEY, event_id uuid NOT NULL, nats_subject text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS event_log (
    position bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE,
    stream_sequence bigint NOT NULL, nats_subject text NOT NULL, ce_type text NOT NULL,
    ce_source text NOT NULL, ce_subject text NOT NULL, district text NOT NULL,
    ce_time timestamptz NOT NULL, sequence bigint NOT NULL, correlationid text,
    causationid text, data text NOT NULL, prev_hash bytea NOT NULL, hash bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS dead_letters (
    id bigserial PRIMARY KEY, stream_sequence bigint NOT NULL UNIQUE, nats_subject text NOT NULL,
    headers jsonb NOT NULL, body bytea NOT NULL, reason text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS event_counts (
    district text NOT NULL, service text NOT NULL, event_type text NOT NULL,
    events bigint NOT NULL, PRIMARY KEY (district, service, event_type));
CREATE OR REPLACE FUNCTION event_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'event_log is append-only: % refused', TG_OP; END $$;
CREATE OR REPLACE TRIGGER event_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
    ON event_log FOR EACH STATEMENT EXECUTE FUNCTION event_log_append_only();
"""
Conn = asyncpg.Connection | PoolConnectionProxy
TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.TransactionRollbackError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.LockNotAvailableError,
    asyncpg.exceptions.PostgresSystemError,
)
"""The database or its server failing, not the event: the batch is retried, never set aside."""


@dataclass(frozen=True)
class RawMessage:
    """One message as it came off the stream."""

    stream_sequence: int
    subject: str
    headers: dict[str, str]
    body: bytes


Refused = list[tuple[RawMessage, str]]


async def create_schema(conn: Conn) -> None:
    await conn.execute(SCHEMA)


async def apply_batch(conn: Conn, consumer: str, batch: Sequence[RawMessage]) -> int:
    """Record a batch and move the position, in one transaction; returns events applied.

    Messages at or below the stored position were committed before (a redelivery) and change
    nothing. Every other message is accounted for exactly once: appended to the audit copy and
    the read models, recorded as a repeat of an event already there, or dead-lettered with the
    reason it cannot be read or stored, and never a neighbour with it. A failure of the
    database itself raises and nothing commits.
    """
    async with conn.transaction():
        position = await _lock_position(conn, consumer)
        fresh = _after(position, batch)
        if not fresh:
            return 0
        events, dead = _read(fresh)
        unseen, repeats = await _split_seen(conn, events)
        new, unstorable = await _record(conn, unseen)
        await _dead_letter(conn, dead + unstorable)
        await _repeats(conn, repeats)
        top = max(m.stream_sequence for m in fresh)
        await _move(conn, consumer, top, (len(new), len(repeats), len(dead) + len(unstorable)))
    return len(new)


def _after(position: int, batch: Sequence[RawMessage]) -> list[RawMessage]:
    """The messages past the position, each stream sequence once, in stream order."""
    first: dict[int, RawMessage] = {}
    for m in batch:
        if m.stream_sequence > position:
            first.setdefault(m.stream_sequence, m)
    return [first[seq] for seq in sorted(first)]


async def _move(conn: Conn, consumer: str, top: int, counts: tuple[int, int, int]) -> None:
    await conn.execute(
        "UPDATE consumer_position SET stream_sequence = $2, events = events + $3,"
        " duplicates = duplicates + $4, dead_letters = dead_letters + $5"
        " WHERE consumer = $1 AND stream_sequence < $2",
        consumer,
        top,
        *counts,
    )


async def stored_position(conn: Conn, consumer: str) -> int:
    """The last stream sequence committed for ``consumer`` (0 before the first batch)."""
    value = await conn.fetchval(
        "SELECT stream_sequence FROM consumer_position WHERE consumer = $1", consumer
    )
    return int(value or 0)


async def accounted(conn: Conn, consumer: str) -> dict[str, int]:
    """How the messages up to the position were accounted for, from the counters kept with it."""
    row = await conn.fetchrow(
        "SELECT stream_sequence AS position, events, duplicates, dead_letters"
        " FROM consumer_position WHERE consumer = $1",
        consumer,
    )
    counts = dict(row) if row else dict.fromkeys(("position", "events", "duplicates"), 0)
    counts.setdefault("dead_letters", 0)
    return counts | {"accounted": counts["events"] + counts["duplicates"] + counts["dead_letters"]}


async def _lock_position(conn: Conn, consumer: str) -> int:
    await conn.execute(
        "INSERT INTO consumer_position (consumer) VALUES ($1) ON CONFLICT DO NOTHING", consumer
    )
    value = await conn.fetchval(
        "SELECT stream_sequence FROM consumer_position WHERE consumer = $1 FOR UPDATE", consumer
    )
    return int(value)


Decoded = list[tuple[RawMessage, CloudEvent]]


def _read(batch: Sequence[RawMessage]) -> tuple[Decoded, Refused]:
    """Valid Tak CloudEvents, and the rest with the reason each cannot be read."""
    events: Decoded = []
    dead: Refused = []
    for msg in batch:
        try:
            events.append((msg, _valid(msg)))
        except (ValueError, TypeError, KeyError, OverflowError) as exc:  # this message only
            dead.append((msg, f"{type(exc).__name__}: {exc}"))
    return events, dead


async def _record(conn: Conn, new: Decoded) -> tuple[Decoded, Refused]:
    """Append the batch and update the read models; if that fails while the database still
    answers, store event by event and set aside exactly the ones it refuses."""
    try:
        async with conn.transaction():
            await _store(conn, new)
        return new, []
    except TRANSIENT:
        raise
    except Exception:  # classified below: the database answers, so it is one event's fault
        await _still_answers(conn)
        log.warning("a batch could not be stored whole; storing it event by event")
    kept: Decoded = []
    refused: Refused = []
    for item in new:
        try:
            async with conn.transaction():
                await _store(conn, [item])
            kept.append(item)
        except TRANSIENT:
            raise
        except Exception as exc:  # dead-lettered with its reason; the rest go on
            await _still_answers(conn)
            refused.append((item[0], f"cannot be stored: {type(exc).__name__}: {exc}"))
    return kept, refused


async def _still_answers(conn: Conn) -> None:
    """Raises if the database no longer answers: then the failure was not the event's."""
    await conn.fetchval("SELECT 1")


async def _store(conn: Conn, new: Decoded) -> None:
    await append(conn, [(m.stream_sequence, m.subject, e) for m, e in new])
    for read_model in READ_MODELS:
        await read_model(conn, [event for _, event in new])


def _valid(msg: RawMessage) -> CloudEvent:
    event = from_nats(msg.headers, msg.body)
    texts = (event.source, event.subject, event.district, event.correlationid, event.causationid)
    if b"\x00" in msg.body or any("\x00" in t for t in texts if t):
        raise EnvelopeError("a NUL character in a header or the body")
    if not 0 <= event.sequence < 2**63:
        raise EnvelopeError(f"ce-sequence {event.sequence} is out of range")
    event.time.astimezone(UTC)  # the audit chain hashes it in UTC: raises if out of range
    event.event()
    if event.nats_subject() != msg.subject:
        raise EnvelopeError(f"subject {msg.subject} does not match ce-type {event.type}")
    return event


async def _split_seen(conn: Conn, events: Decoded) -> tuple[Decoded, Decoded]:
    """The events not yet in the audit copy (each once, in stream order), and the repeats."""
    seen = {
        r["event_id"]
        for r in await conn.fetch(
            "SELECT event_id FROM event_log WHERE event_id = ANY($1::uuid[])",
            [e.id for _, e in events],
        )
    }
    new: Decoded = []
    repeats: Decoded = []
    for msg, event in events:
        (repeats if event.id in seen else new).append((msg, event))
        seen.add(event.id)
    return new, repeats


async def _repeats(conn: Conn, repeats: Decoded) -> None:
    """A message that repeats an event already stored (published twice): counted, not applied."""
    await conn.executemany(
        "INSERT INTO duplicate_messages (stream_sequence, event_id, nats_subject)"
        " VALUES ($1, $2, $3) ON CONFLICT (stream_sequence) DO NOTHING",
        [(m.stream_sequence, e.id, m.subject) for m, e in repeats],
    )


async def _dead_letter(conn: Conn, dead: Refused) -> None:
    await conn.executemany(
        "INSERT INTO dead_letters (stream_sequence, nats_subject, headers, body, reason)"
        " VALUES ($1, $2, $3::jsonb, $4, $5) ON CONFLICT (stream_sequence) DO NOTHING",
        [
            (m.stream_sequence, _text(m.subject), _storable(m.headers), m.body, _text(r))
            for m, r in dead
        ],
    )


def _storable(headers: dict[str, str]) -> str:
    """The headers as JSON PostgreSQL accepts (it refuses NUL characters, names included)."""
    return json.dumps({_text(k): _text(v) for k, v in headers.items()})


def _text(value: str) -> str:
    """Text PostgreSQL can hold: a NUL is written out as ``\\x00``."""
    return value.replace("\x00", "\\x00")


async def count_events(conn: Conn, events: list[CloudEvent]) -> None:
    """Read model: events per district, service and event type."""
    counts = Counter((e.district, *e.type.split(".")[2:4]) for e in events)
    await conn.executemany(
        "INSERT INTO event_counts VALUES ($1, $2, $3, $4) ON CONFLICT (district, service,"
        " event_type) DO UPDATE SET events = event_counts.events + EXCLUDED.events",
        [(*key, n) for key, n in sorted(counts.items())],
    )


ReadModel = Callable[[Conn, list[CloudEvent]], Awaitable[None]]
READ_MODELS: tuple[ReadModel, ...] = (count_events,)
"""Every read model, fed each batch's new events inside the batch's transaction."""

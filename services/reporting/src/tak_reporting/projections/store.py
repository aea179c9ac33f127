"""Reporting's tables: the audit copy of every event, dead letters, read models, position.

Each batch's rows and the consumer position commit in one transaction, and every event is
applied once by its id, so a replay or a redelivery changes nothing (DESIGN.md §5).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from tak_contracts import CloudEvent, EnvelopeError, from_nats

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS consumer_position (
    consumer text PRIMARY KEY, stream_sequence bigint NOT NULL DEFAULT 0);
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
GENESIS = b"\x00" * 32
Conn = asyncpg.Connection | PoolConnectionProxy


@dataclass(frozen=True)
class RawMessage:
    """One message as it came off the stream."""

    stream_sequence: int
    subject: str
    headers: dict[str, str]
    body: bytes


async def create_schema(conn: Conn) -> None:
    await conn.execute(SCHEMA)


def chain_hash(prev: bytes, event: CloudEvent, stream_sequence: int, nats_subject: str) -> bytes:
    """SHA-256 over the previous hash and everything stored of the event, times in UTC."""
    head = json.dumps(
        [
            str(event.id),
            event.type,
            event.source,
            event.subject,
            event.district,
            event.time.astimezone(UTC).isoformat(),
            event.sequence,
            event.correlationid,
            event.causationid,
            stream_sequence,
            nats_subject,
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(prev + head.encode() + b"\n" + event.data).digest()


async def apply_batch(conn: Conn, consumer: str, batch: Sequence[RawMessage]) -> int:
    """Record a batch and move the position, in one transaction; returns events applied.

    Messages at or below the stored position were committed before (a redelivery); events
    whose id is already in the audit copy were published twice; both change nothing.
    """
    async with conn.transaction():
        position = await _lock_position(conn, consumer)
        events, dead = _read([m for m in batch if m.stream_sequence > position])
        new, unstorable = await _record(conn, await _unseen(conn, events))
        await _dead_letter(conn, dead + unstorable)
        top = max((m.stream_sequence for m in batch), default=position)
        await conn.execute(
            "UPDATE consumer_position SET stream_sequence = $2 WHERE consumer = $1"
            " AND stream_sequence < $2",
            consumer,
            top,
        )
    return len(new)


async def _lock_position(conn: Conn, consumer: str) -> int:
    await conn.execute(
        "INSERT INTO consumer_position (consumer) VALUES ($1) ON CONFLICT DO NOTHING", consumer
    )
    value = await conn.fetchval(
        "SELECT stream_sequence FROM consumer_position WHERE consumer = $1 FOR UPDATE", consumer
    )
    return int(value)


Decoded = list[tuple[RawMessage, CloudEvent]]


def _read(batch: Sequence[RawMessage]) -> tuple[Decoded, list[tuple[RawMessage, str]]]:
    """Valid Tak CloudEvents, and the rest with the reason each cannot be read."""
    events: Decoded = []
    dead: list[tuple[RawMessage, str]] = []
    for msg in batch:
        try:
            events.append((msg, _valid(msg)))
        except EnvelopeError as exc:
            dead.append((msg, str(exc)))
    return events, dead


async def _record(conn: Conn, new: Decoded) -> tuple[Decoded, list[tuple[RawMessage, str]]]:
    """Append the batch and update the read models; if the database refuses something (a value
    it cannot hold), retry one event at a time and set the ones it refuses aside."""
    try:
        async with conn.transaction():
            await _store(conn, new)
        return new, []
    except asyncpg.DataError:
        log.warning("a batch could not be stored whole; storing it event by event")
    kept: Decoded = []
    refused: list[tuple[RawMessage, str]] = []
    for item in new:
        try:
            async with conn.transaction():
                await _store(conn, [item])
            kept.append(item)
        except asyncpg.DataError as exc:
            refused.append((item[0], f"cannot be stored: {exc}"))
    return kept, refused


async def _store(conn: Conn, new: Decoded) -> None:
    await _append(conn, new)
    for read_model in READ_MODELS:
        await read_model(conn, [event for _, event in new])


def _valid(msg: RawMessage) -> CloudEvent:
    event = from_nats(msg.headers, msg.body)
    texts = (event.source, event.subject, event.district, event.correlationid, event.causationid)
    if b"\x00" in msg.body or any("\x00" in t for t in texts if t):
        raise EnvelopeError("a NUL character in a header or the body")
    if not 0 <= event.sequence < 2**63:
        raise EnvelopeError(f"ce-sequence {event.sequence} is out of range")
    event.event()
    if event.nats_subject() != msg.subject:
        raise EnvelopeError(f"subject {msg.subject} does not match ce-type {event.type}")
    return event


async def _unseen(conn: Conn, events: Decoded) -> Decoded:
    """The events not yet in the audit copy, each once, in stream order."""
    seen = {
        r["event_id"]
        for r in await conn.fetch(
            "SELECT event_id FROM event_log WHERE event_id = ANY($1::uuid[])",
            [e.id for _, e in events],
        )
    }
    new: Decoded = []
    for msg, event in events:
        if event.id not in seen:
            seen.add(event.id)
            new.append((msg, event))
    return new


async def _append(conn: Conn, new: Decoded) -> None:
    """Append to the hash-chained audit copy."""
    prev = (
        await conn.fetchval("SELECT hash FROM event_log ORDER BY position DESC LIMIT 1") or GENESIS
    )
    rows = []
    for msg, e in new:
        digest = chain_hash(prev, e, msg.stream_sequence, msg.subject)
        rows.append(
            (
                e.id,
                msg.stream_sequence,
                msg.subject,
                e.type,
                e.source,
                e.subject,
                e.district,
                e.time,
                e.sequence,
                e.correlationid,
                e.causationid,
                e.data.decode(),
                prev,
                digest,
            )
        )
        prev = digest
    await conn.executemany(
        "INSERT INTO event_log (event_id, stream_sequence, nats_subject, ce_type, ce_source,"
        " ce_subject, district, ce_time, sequence, correlationid, causationid, data,"
        " prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
        rows,
    )


async def _dead_letter(conn: Conn, dead: list[tuple[RawMessage, str]]) -> None:
    await conn.executemany(
        "INSERT INTO dead_letters (stream_sequence, nats_subject, headers, body, reason)"
        " VALUES ($1, $2, $3::jsonb, $4, $5) ON CONFLICT (stream_sequence) DO NOTHING",
        [(m.stream_sequence, m.subject, _storable(m.headers), m.body, r) for m, r in dead],
    )


def _storable(headers: dict[str, str]) -> str:
    """The headers as JSON PostgreSQL accepts (it refuses NUL characters)."""
    return json.dumps({k: v.replace("\x00", "\\x00") for k, v in headers.items()})


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


async def verify_chain(conn: Conn) -> dict[str, Any]:
    """Recompute the hash chain over the audit copy; name the first broken link."""
    prev, count = GENESIS, 0
    async with conn.transaction():
        async for row in conn.cursor("SELECT * FROM event_log ORDER BY position"):
            event = _event_of(row)
            if row["prev_hash"] != prev or row["hash"] != chain_hash(
                prev, event, row["stream_sequence"], row["nats_subject"]
            ):
                return {"valid": False, "events": count, "broken_at": row["position"]}
            prev, count = row["hash"], count + 1
    return {"valid": True, "events": count, "head": prev.hex()}


def _event_of(row: asyncpg.Record) -> CloudEvent:
    return CloudEvent(
        id=row["event_id"],
        source=row["ce_source"],
        type=row["ce_type"],
        subject=row["ce_subject"],
        time=row["ce_time"],
        district=row["district"],
        sequence=row["sequence"],
        data=row["data"].encode(),
        correlationid=row["correlationid"],
        causationid=row["causationid"],
    )

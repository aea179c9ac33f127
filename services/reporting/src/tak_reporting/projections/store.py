"""Reporting's tables: the audit copy of every event, dead letters, read models, position.

Each batch's rows and the consumer position commit in one transaction, and every event is
applied once by its id, so a replay or a redelivery changes nothing (DESIGN.md §5).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from tak_contracts import CloudEvent, EnvelopeError, from_nats

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


def chain_hash(prev: bytes, event: CloudEvent) -> bytes:
    """SHA-256 over the previous hash and the event's identity and body."""
    head = json.dumps(
        [
            str(event.id),
            event.type,
            event.source,
            event.subject,
            event.time.isoformat(),
            event.sequence,
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(prev + head.encode() + b"\n" + event.data).digest()


async def apply_batch(conn: Conn, consumer: str, batch: Sequence[RawMessage]) -> int:
    """Record a batch and move the position, in one transaction; returns events applied."""
    async with conn.transaction():
        position = await _lock_position(conn, consumer)
        last_hash = (
            await conn.fetchval("SELECT hash FROM event_log ORDER BY position DESC LIMIT 1")
            or GENESIS
        )
        applied = 0
        for msg in (m for m in batch if m.stream_sequence > position):
            last_hash, done = await _apply(conn, msg, last_hash)
            applied += done
        top = max((m.stream_sequence for m in batch), default=position)
        await conn.execute(
            "UPDATE consumer_position SET stream_sequence = $2 WHERE consumer = $1"
            " AND stream_sequence < $2",
            consumer,
            top,
        )
    return applied


async def _lock_position(conn: Conn, consumer: str) -> int:
    await conn.execute(
        "INSERT INTO consumer_position (consumer) VALUES ($1) ON CONFLICT DO NOTHING", consumer
    )
    value = await conn.fetchval(
        "SELECT stream_sequence FROM consumer_position WHERE consumer = $1 FOR UPDATE", consumer
    )
    return int(value)


async def _apply(conn: Conn, msg: RawMessage, prev: bytes) -> tuple[bytes, int]:
    try:
        event = from_nats(msg.headers, msg.body)
        event.event()
        if event.nats_subject() != msg.subject:
            raise EnvelopeError(f"subject {msg.subject} does not match ce-type {event.type}")
    except EnvelopeError as exc:
        await _dead_letter(conn, msg, str(exc))
        return prev, 0
    digest = chain_hash(prev, event)
    inserted = await conn.fetchval(
        "INSERT INTO event_log (event_id, stream_sequence, nats_subject, ce_type, ce_source,"
        " ce_subject, district, ce_time, sequence, correlationid, causationid, data,"
        " prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)"
        " ON CONFLICT (event_id) DO NOTHING RETURNING position",
        event.id,
        msg.stream_sequence,
        msg.subject,
        event.type,
        event.source,
        event.subject,
        event.district,
        event.time,
        event.sequence,
        event.correlationid,
        event.causationid,
        event.data.decode(),
        prev,
        digest,
    )
    if inserted is None:
        return prev, 0
    await _count(conn, event)
    return digest, 1


async def _count(conn: Conn, event: CloudEvent) -> None:
    service, event_type = event.type.split(".")[2:4]
    await conn.execute(
        "INSERT INTO event_counts VALUES ($1, $2, $3, 1) ON CONFLICT (district, service,"
        " event_type) DO UPDATE SET events = event_counts.events + 1",
        event.district,
        service,
        event_type,
    )


async def _dead_letter(conn: Conn, msg: RawMessage, reason: str) -> None:
    await conn.execute(
        "INSERT INTO dead_letters (stream_sequence, nats_subject, headers, body, reason)"
        " VALUES ($1, $2, $3::jsonb, $4, $5) ON CONFLICT (stream_sequence) DO NOTHING",
        msg.stream_sequence,
        msg.subject,
        json.dumps(msg.headers),
        msg.body,
        reason,
    )


async def verify_chain(conn: Conn) -> dict[str, Any]:
    """Recompute the hash chain over the audit copy; name the first broken link."""
    prev, count = GENESIS, 0
    async with conn.transaction():
        async for row in conn.cursor("SELECT * FROM event_log ORDER BY position"):
            event = _event_of(row)
            if row["prev_hash"] != prev or row["hash"] != chain_hash(prev, event):
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

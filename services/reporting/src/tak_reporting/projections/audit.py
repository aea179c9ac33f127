"""The audit copy: every event reporting has read, append-only and hash-chained.

Each row's hash covers the previous row's hash and everything stored of the event (times in
UTC), so an edit, a deletion or a reordering breaks the chain at the first row it touched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from tak_contracts import CloudEvent

GENESIS = b"\x00" * 32
Conn = asyncpg.Connection | PoolConnectionProxy


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


async def append(conn: Conn, new: Sequence[tuple[int, str, CloudEvent]]) -> None:
    """Append ``(stream sequence, NATS subject, event)`` rows to the chain."""
    prev = (
        await conn.fetchval("SELECT hash FROM event_log ORDER BY position DESC LIMIT 1") or GENESIS
    )
    rows = []
    for seq, subject, e in new:
        digest = chain_hash(prev, e, seq, subject)
        head = (e.id, seq, subject, e.type, e.source, e.subject, e.district, e.time, e.sequence)
        rows.append((*head, e.correlationid, e.causationid, e.data.decode(), prev, digest))
        prev = digest
    await conn.executemany(
        "INSERT INTO event_log (event_id, stream_sequence, nats_subject, ce_type, ce_source,"
        " ce_subject, district, ce_time, sequence, correlationid, causationid, data,"
        " prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
        rows,
    )


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

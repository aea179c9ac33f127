"""``tak audit verify``: nothing recorded was lost or doubled on its way to reporting.

Three counts, each naming every exception:
- the audit copy's hash chain is intact;
- every message on the stream up to reporting's position is held by reporting exactly once
  (in the audit copy, as a repeat of an event it holds, or as a dead letter), and no event id is
  on the stream twice;
- for each producer configured (``TAK_PRODUCERS``), every event its log publishes, up to its
  relay's position, is on the stream exactly once on its own subject and in the audit copy once;
  and nothing else on the stream claims to come from it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote
from uuid import UUID

import asyncpg
import httpx
from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import ConsumerConfig, DeliverPolicy

from tak_reporting.features.verify_audit.verification import (
    Chain,
    ProducerCounts,
    StreamCounts,
    Verification,
)
from tak_reporting.projections.audit import Conn, verify_chain
from tak_reporting.settings import ReportingSettings

MAX_LISTED = 50


@dataclass(frozen=True)
class OnStream:
    seq: int
    event_id: str
    subject: str
    source: str
    sequence: str


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    chain: Chain | None = None
    stream: StreamCounts | None = None
    producers: dict[str, ProducerCounts] = field(default_factory=dict)

    def report(self) -> Verification:
        """Valid when nothing was found; the first ``MAX_LISTED`` problems, then how many more."""
        shown = self.problems[:MAX_LISTED]
        more = len(self.problems) - len(shown)
        listed = shown + ([f"... and {more} more"] if more else [])
        return Verification(
            valid=not self.problems,
            problems=listed,
            chain=self.chain,
            stream=self.stream,
            producers=self.producers or None,
        )


async def verify(settings: ReportingSettings, pool: asyncpg.Pool, nc: Client | None) -> Findings:
    """Read reporting first, the producers' logs next and the stream last, so that anything
    that moves meanwhile is ahead of what was read before it, never behind."""
    found = Findings()
    async with pool.acquire() as conn:
        found.chain = chain = Chain.model_validate(await verify_chain(conn))
        held = await _held(conn, settings.consumer_name)
    if not chain.valid:
        found.problems.append(f"audit chain broken at position {chain.broken_at}")
    outboxes = await _outboxes(found, settings.producers)
    if nc is None or not nc.is_connected:
        found.problems.append("NATS unavailable: the stream could not be read")
        return found
    stream = await read_stream(nc, settings, found)
    _check_stream(found, stream, held)
    for outbox in outboxes:
        await _check_producer(found, pool, stream, held, outbox)
    return found


async def _outboxes(found: Findings, producers: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    async with httpx.AsyncClient(timeout=30.0) as http:
        for name, url in producers.items():
            try:
                out.append(await read_outbox(http, url) | {"name": name})
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                found.problems.append(f"{name}: its outbox could not be read at {url}: {exc}")
    return out


@dataclass(frozen=True)
class Held:
    position: int
    sequences: Counter[int]


async def _held(conn: Conn, consumer: str) -> Held:
    """Reporting's position and every stream sequence it holds, as of one moment."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        position = await conn.fetchval(
            "SELECT stream_sequence FROM consumer_position WHERE consumer = $1", consumer
        )
        rows = await conn.fetch(
            "SELECT stream_sequence FROM event_log UNION ALL SELECT stream_sequence FROM"
            " dead_letters UNION ALL SELECT stream_sequence FROM duplicate_messages"
        )
    return Held(int(position or 0), Counter(r[0] for r in rows))


async def read_stream(nc: Client, settings: ReportingSettings, found: Findings) -> list[OnStream]:
    """Every message on the stream under reporting's filter, headers only, in order."""
    js = nc.jetstream()
    last = (await js.stream_info(settings.stream_name)).state.last_seq
    if not last:
        return []
    sub = await js.subscribe(
        settings.subject_filter,
        stream=settings.stream_name,
        ordered_consumer=True,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
        headers_only=True,
    )
    out: list[OnStream] = []
    try:
        while not out or out[-1].seq < last:
            try:
                msg = await sub.next_msg(timeout=5.0)
            except NatsTimeoutError:
                seen = out[-1].seq if out else 0
                found.problems.append(f"the stream could be read only to {seen} of {last}")
                break
            h = {k.lower(): unquote(v) for k, v in (msg.headers or {}).items()}
            out.append(
                OnStream(
                    msg.metadata.sequence.stream,
                    h.get("ce-id", ""),
                    msg.subject,
                    h.get("ce-source", ""),
                    h.get("ce-sequence", ""),
                )
            )
    finally:
        await sub.unsubscribe()
    return out


def _check_stream(found: Findings, stream: list[OnStream], held: Held) -> None:
    position = held.position
    upto = [m for m in stream if m.seq <= position]
    for m in upto:
        if held.sequences[m.seq] != 1:
            times = held.sequences[m.seq]
            found.problems.append(f"stream sequence {m.seq} ({m.subject}) held {times}x")
    on_stream = {m.seq for m in stream}
    for seq in sorted(set(held.sequences) - on_stream):
        found.problems.append(f"reporting holds stream sequence {seq}, which is not on the stream")
    ids = defaultdict(list)
    for m in stream:
        ids[m.event_id].append(m.seq)
    for event_id, seqs in ids.items():
        if len(seqs) > 1:
            found.problems.append(f"event {event_id} is on the stream {len(seqs)}x: {seqs}")
    found.stream = StreamCounts(
        messages=len(stream),
        reporting_position=position,
        not_yet_read=len(stream) - len(upto),
        held=sum(held.sequences.values()),
    )


async def read_outbox(http: httpx.AsyncClient, url: str) -> dict[str, Any]:
    """A producer's whole outbox listing, page by page."""
    merged: dict[str, Any] = {"events": [], "weeded": [], "head": 0}
    after: int | None = 0
    while after is not None:
        merged["head"] = after
        response = await http.get(f"{url}/api/outbox", params={"after": after, "limit": 5000})
        response.raise_for_status()
        page = response.json()
        merged["events"] += page["events"]
        merged["weeded"] += page["weeded"]
        merged |= {"source": page["source"], "relay_position": page["relay_position"]}
        after = page["next_after"]
    return merged


async def _check_producer(
    found: Findings, pool: asyncpg.Pool, stream: list[OnStream], held: Held, outbox: dict[str, Any]
) -> None:
    """Every event the producer's relay has published: on the stream once, on its subject, and
    in the audit copy once reporting has read that far; nothing else in the producer's name."""
    name, position = outbox["name"], held.position
    published = [e for e in outbox["events"] if e["notification_id"] <= outbox["relay_position"]]
    by_id = defaultdict(list)
    for m in stream:
        by_id[m.event_id].append(m)
    in_log = await _in_log(pool, [UUID(e["event_id"]) for e in published])
    for e in published:
        copies = by_id.get(e["event_id"], [])
        read = bool(copies) and copies[0].seq <= position
        _check_one(found, name, e, copies, e["event_id"] in in_log or not read)
    _check_unknown(found, stream, outbox)
    found.producers[name] = ProducerCounts(
        relay_position=outbox["relay_position"],
        published=len(published),
        not_yet_published=len(outbox["events"]) - len(published),
        weeded_notifications=len(outbox["weeded"]),
    )


def _check_unknown(found: Findings, stream: list[OnStream], outbox: dict[str, Any]) -> None:
    """Messages in the producer's name that its log does not publish; one from a notification
    newer than the listing (written since it was read) is not judged."""
    known = {e["event_id"] for e in outbox["events"]}
    weeded = {str(n) for n in outbox["weeded"]}
    for m in stream:
        if m.source != outbox["source"] or m.event_id in known or m.sequence in weeded:
            continue
        if not m.sequence.isdigit() or int(m.sequence) <= outbox["head"]:
            found.problems.append(
                f"{outbox['name']}: stream sequence {m.seq} claims to come from it as event"
                f" {m.event_id}, which its log never published"
            )


def _check_one(
    found: Findings, name: str, event: dict[str, Any], copies: list[OnStream], logged: bool
) -> None:
    where = f"{name}: event {event['event_id']} (notification {event['notification_id']})"
    if len(copies) != 1:
        found.problems.append(f"{where} is on the stream {len(copies)}x")
    elif copies[0].subject != event["subject"]:
        found.problems.append(f"{where} is on the stream as {copies[0].subject}")
    if copies and not logged:
        found.problems.append(f"{where} is not in reporting's audit copy")


async def _in_log(pool: asyncpg.Pool, ids: list[UUID]) -> set[str]:
    rows = await pool.fetch("SELECT event_id FROM event_log WHERE event_id = ANY($1::uuid[])", ids)
    return {str(r[0]) for r in rows}

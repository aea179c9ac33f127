"""``Idempotency-Key``: a retried command is answered from its first run, never run twice.

A command's answer is a pure function of its *receipt*: the log position and the aggregate
versions its save wrote, plus the facts its use case adds (an outcome, a new record's id). The
receipt is stored under the key in the same transaction as the command's events
(``tak_platform.recorders``), so a crash at any point leaves the command either not done (the
retry runs it) or done (the retry is answered from the receipt: the same status and body).

Nothing is reserved or read before the command runs: a retry, or two requests with one key,
decide again, the unique key lets exactly one of them commit (the other's save fails on the
key: ``KeyUsed``), and the others are answered from the winner's receipt, read then. A key
used with another body is refused (422); a command that fails stores nothing, so its retry
runs again. A command thus costs no round trip for its key beyond its own save.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from tak_platform.errors import Conflict, Invalid, TakError


@dataclass(frozen=True)
class Receipt:
    """What a command recorded: enough to answer it again, byte for byte."""

    position: int
    """The notification id of the command's last event."""
    versions: Mapping[str, int]
    """Each aggregate the command saved, by id: its version after the command."""
    facts: Mapping[str, Any]
    """What the use case adds for its answer (JSON values)."""

    def version_of(self, aggregate_id: UUID | str) -> int:
        return self.versions[str(aggregate_id)]

    @classmethod
    def from_json(cls, text: str) -> Receipt:
        data = json.loads(text)
        return cls(data["position"], data["versions"], data["facts"])


def receipt_json(
    events: Sequence[StoredEvent], positions: Sequence[int], facts: Mapping[str, Any]
) -> str:
    versions: dict[str, int] = {}
    for e in events:
        versions[str(e.originator_id)] = max(
            e.originator_version, versions.get(str(e.originator_id), 0)
        )
    receipt = {"position": max(positions), "versions": versions, "facts": facts}
    return json.dumps(receipt, sort_keys=True, default=str)


@dataclass
class IdempotentCommand:
    """A command in progress: what its first save records beside its events."""

    key: str | None
    fingerprint: str
    facts: dict[str, Any] = field(default_factory=dict)
    receipt: Receipt | None = None

    def recorded(self, events: Sequence[StoredEvent], positions: Sequence[int]) -> str:
        """The receipt's JSON, for the row under the key; kept as this command's answer too."""
        text = receipt_json(events, positions, self.facts)
        self.receipt = Receipt.from_json(text)
        return text


_current: ContextVar[IdempotentCommand | None] = ContextVar("tak_idempotent", default=None)


def take_command() -> IdempotentCommand | None:
    """The command in progress, once: its first save records the receipt."""
    command = _current.get()
    _current.set(None)
    return command


def give_back(command: IdempotentCommand | None) -> None:
    """A save that did not commit hands the command back, for the save of a retry."""
    if command is not None:
        command.receipt = None
        _current.set(command)


class KeyUsed(Conflict):
    """The save of an idempotent command failed on its key: a request with the key committed
    first. Never retried; ``run_idempotent`` answers from that request's receipt."""

    def __init__(self, key: str | None) -> None:
        super().__init__(f"Idempotency-Key {key!r} was used by a request that committed first")


class ReceiptStore(Protocol):
    def receipt(self, key: str, fingerprint: str) -> Receipt | None:
        """The receipt stored under ``key``; ``Invalid`` if it was for another request."""
        ...


def stored_receipt(key: str, fingerprint: str, row: tuple[str, str] | None) -> Receipt | None:
    """A store's row ``(fingerprint, receipt JSON)`` checked against the request."""
    if row is None:
        return None
    if row[0] != fingerprint:
        raise Invalid(
            f"Idempotency-Key {key!r} was already used for another request",
            field="Idempotency-Key",
            fix="use a new key for a new request",
        )
    return Receipt.from_json(row[1])


def fingerprint(scope: str, body: Any) -> str:
    return hashlib.sha256(
        json.dumps([scope, body], sort_keys=True, default=str).encode()
    ).hexdigest()


def run_idempotent(
    store: ReceiptStore, key: str | None, print_: str, command: Callable[[], object]
) -> Receipt:
    """Run ``command`` once per key; its receipt, or on a replay the stored one (read only
    when the command did not commit: its save found the key used, or it was refused)."""
    running = IdempotentCommand(key, print_)
    token = _current.set(running)
    try:
        command()
    except TakError:
        if key is None or (done := store.receipt(key, print_)) is None:
            raise
        return done  # a request with the same key committed first (a retry, a replay)
    finally:
        _current.reset(token)
    if running.receipt is None:
        raise RuntimeError("an idempotent command must save an event; this one saved none")
    return running.receipt

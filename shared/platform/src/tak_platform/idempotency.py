"""``Idempotency-Key``: a retried command returns the first answer instead of acting twice.

The key is reserved before the command runs and the response stored after it; a retry with
the same key and body gets the stored response, with another body a 422, and while the first
is still running a 409. A reservation whose command failed is released so the retry can run;
one whose process died mid-command is taken over by a retry after a minute.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from typing import Any, Protocol

from eventsourcing.postgres import PostgresDatastore

from tak_platform.errors import Conflict, Invalid

Response = tuple[int, Any]
ABANDONED_AFTER_SECONDS = 60.0
"""A reservation never completed for this long (its process died mid-command) is taken over."""


class IdempotencyStore(Protocol):
    def reserve(self, key: str, fingerprint: str) -> Response | None: ...
    def complete(self, key: str, response: Response) -> None: ...
    def release(self, key: str) -> None: ...


def fingerprint(scope: str, body: Any) -> str:
    return hashlib.sha256(
        json.dumps([scope, body], sort_keys=True, default=str).encode()
    ).hexdigest()


def run_idempotent(
    store: IdempotencyStore, key: str | None, print_: str, command: Callable[[], Response]
) -> Response:
    """Run ``command`` once per key; a replay returns the stored ``(status, body)``."""
    if key is None:
        return command()
    stored = store.reserve(key, print_)
    if stored is not None:
        return stored
    try:
        response = command()
    except BaseException:
        store.release(key)
        raise
    store.complete(key, response)
    return response


def _answer(key: str, print_: str, row_print: str, response: Response | None) -> Response:
    if row_print != print_:
        raise Invalid(
            f"Idempotency-Key {key!r} was already used for another request",
            field="Idempotency-Key",
            fix="use a new key for a new request",
        )
    if response is None:
        raise Conflict(
            f"the request with Idempotency-Key {key!r} is still being processed",
            field="Idempotency-Key",
            fix="retry in a moment",
        )
    return response


class InMemoryIdempotencyStore:
    def __init__(self) -> None:
        self._rows: dict[str, tuple[str, Response | None]] = {}
        self._lock = threading.Lock()

    def reserve(self, key: str, fingerprint: str) -> Response | None:
        with self._lock:
            if key not in self._rows:
                self._rows[key] = (fingerprint, None)
                return None
            row = self._rows[key]
        return _answer(key, fingerprint, row[0], row[1])

    def complete(self, key: str, response: Response) -> None:
        with self._lock:
            self._rows[key] = (self._rows[key][0], response)

    def release(self, key: str) -> None:
        with self._lock:
            if self._rows.get(key, ("", None))[1] is None:
                self._rows.pop(key, None)


class PostgresIdempotencyStore:
    def __init__(self, datastore: PostgresDatastore) -> None:
        self._datastore = datastore
        with datastore.transaction(commit=True) as curs:
            curs.execute(
                "CREATE TABLE IF NOT EXISTS idempotency_keys (key text PRIMARY KEY,"
                " fingerprint text NOT NULL, status int NULL, body jsonb NULL,"
                " created_at timestamptz NOT NULL DEFAULT now())"
            )

    def reserve(self, key: str, fingerprint: str) -> Response | None:
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(
                "INSERT INTO idempotency_keys (key, fingerprint) VALUES (%s, %s)"
                " ON CONFLICT (key) DO UPDATE SET created_at = now()"
                " WHERE idempotency_keys.status IS NULL"
                " AND idempotency_keys.fingerprint = EXCLUDED.fingerprint"
                " AND idempotency_keys.created_at < now() - make_interval(secs => %s)"
                " RETURNING key",
                (key, fingerprint, ABANDONED_AFTER_SECONDS),
            )
            if curs.fetchone() is not None:
                return None
            curs.execute(
                "SELECT fingerprint, status, body FROM idempotency_keys WHERE key = %s", (key,)
            )
            row = curs.fetchone()
        assert row is not None
        response = (int(row["status"]), row["body"]) if row["status"] is not None else None
        return _answer(key, fingerprint, row["fingerprint"], response)

    def complete(self, key: str, response: Response) -> None:
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(
                "UPDATE idempotency_keys SET status = %s, body = %s WHERE key = %s",
                (response[0], json.dumps(response[1], default=str), key),
            )

    def release(self, key: str) -> None:
        with self._datastore.transaction(commit=True) as curs:
            curs.execute("DELETE FROM idempotency_keys WHERE key = %s AND status IS NULL", (key,))

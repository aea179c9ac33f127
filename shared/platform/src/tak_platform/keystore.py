"""Keys per data subject (person or household), kept in the service's own database.

Destroying a subject's key is how its record is weeded (crypto-shredding; docs/architecture.md,
write side). The key row stays with a NULL key, so a write for a weeded subject fails instead of
silently creating a new key. Key bytes remain in PostgreSQL's WAL and in backups until their
retention ends; a key-encryption key (KEK) outside the database keeps them out of dumps
(docs/operations.md, what weeding leaves behind).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow

from tak_platform.errors import Gone


class SubjectWeededError(Gone):
    """A write for a data subject whose key was destroyed: the record has been weeded."""

    def __init__(self, subject_id: UUID) -> None:
        super().__init__(
            f"data subject {subject_id} has been weeded; nothing more can be written about them"
        )
        self.subject_id = subject_id


@dataclass(frozen=True)
class NewKey:
    """A data subject's key made for a save: written in that save's own transaction
    (``tak_platform.recorders``), used by other saves only once that has committed."""

    subject_id: UUID
    key: bytes
    wrapped: bytes
    """As stored: wrapped under the key-encryption key when there is one."""


class KeyStore(Protocol):
    def get(self, subject_id: UUID) -> AESGCM | None: ...
    def get_or_create(self, subject_id: UUID) -> AESGCM: ...
    def destroy(self, subject_id: UUID) -> None: ...
    def is_destroyed(self, subject_id: UUID) -> bool: ...
    def prepare(self, subject_ids: set[UUID], fresh: set[UUID]) -> dict[UUID, NewKey]: ...
    def remember(self, new_keys: dict[UUID, NewKey]) -> None: ...
    def load(self, subject_ids: set[UUID]) -> None: ...


log = logging.getLogger(__name__)

DESTROYED_CHANNEL = "tak_subject_key_destroyed"


class InMemoryKeyStore:
    """Keys in a dict, for unit tests on the in-memory event store."""

    def __init__(self) -> None:
        self._keys: dict[UUID, bytes | None] = {}
        self._lock = threading.Lock()

    def get(self, subject_id: UUID) -> AESGCM | None:
        key = self._keys.get(subject_id)
        return AESGCM(key) if key else None

    def get_or_create(self, subject_id: UUID) -> AESGCM:
        with self._lock:
            if subject_id in self._keys and self._keys[subject_id] is None:
                raise SubjectWeededError(subject_id)
            key = self._keys.setdefault(subject_id, AESGCM.generate_key(bit_length=256))
        assert key is not None
        return AESGCM(key)

    def destroy(self, subject_id: UUID) -> None:
        self._keys[subject_id] = None

    def is_destroyed(self, subject_id: UUID) -> bool:
        return subject_id in self._keys and self._keys[subject_id] is None

    def prepare(self, subject_ids: set[UUID], fresh: set[UUID]) -> dict[UUID, NewKey]:
        """In memory a key is created when first asked for (``get_or_create``)."""
        return {}

    def remember(self, new_keys: dict[UUID, NewKey]) -> None:
        """Nothing to remember in memory."""

    def load(self, subject_ids: set[UUID]) -> None:
        """Nothing to load in memory."""


class PostgresKeyStore:
    """Keys in table ``subject_keys`` on the application's own psycopg pool."""

    def __init__(self, datastore: PostgresDatastore, kek: str | None, cache_ttl: float = 30.0):
        self._datastore = datastore
        self._kek = AESGCM(base64.b64decode(kek)) if kek else None
        self._ttl = cache_ttl
        self._cache: dict[UUID, tuple[float, AESGCM]] = {}
        """Each subject's key, ready to use, until its expiry (``time.monotonic``)."""
        self._create_table()

    def _create_table(self) -> None:
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(
                "CREATE TABLE IF NOT EXISTS subject_keys ("
                " subject_id uuid PRIMARY KEY, wrapped_key bytea NULL,"
                " created_at timestamptz NOT NULL DEFAULT now(), destroyed_at timestamptz NULL,"
                " CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL)))"
            )

    def get(self, subject_id: UUID) -> AESGCM | None:
        return self._cached(subject_id) or self._select(subject_id)

    def get_or_create(self, subject_id: UUID) -> AESGCM:
        aead = self._cached(subject_id)
        if aead is None:
            self._insert(subject_id)
            aead = self._select(subject_id)
        if aead is None:
            raise SubjectWeededError(subject_id)
        return aead

    def destroy(self, subject_id: UUID) -> None:
        self._cache.pop(subject_id, None)
        with self._datastore.transaction(commit=True) as curs:
            curs.execute("SELECT pg_notify(%s, %s)", (DESTROYED_CHANNEL, str(subject_id)))
            curs.execute(
                "INSERT INTO subject_keys (subject_id, wrapped_key, destroyed_at)"
                " VALUES (%s, NULL, now()) ON CONFLICT (subject_id) DO UPDATE"
                " SET wrapped_key = NULL,"
                " destroyed_at = coalesce(subject_keys.destroyed_at, now())",
                (subject_id,),
            )

    def is_destroyed(self, subject_id: UUID) -> bool:
        with self._read() as curs:
            curs.execute(
                "SELECT destroyed_at FROM subject_keys WHERE subject_id = %s", (subject_id,)
            )
            row = curs.fetchone()
        return row is not None and row["destroyed_at"] is not None

    def prepare(self, subject_ids: set[UUID], fresh: set[UUID]) -> dict[UUID, NewKey]:
        """The keys a save needs: existing ones cached (one round trip for all that are not
        cached yet), and a new key for each subject that has none, returned for the save to
        write in its own transaction. ``fresh`` subjects are those whose aggregate the save
        creates: they are not looked up (a key already there makes the save fail, and it is
        prepared again without ``fresh``). A weeded subject raises ``SubjectWeededError``."""
        missing = {s for s in subject_ids if self._cached(s) is None}
        if unknown := missing - fresh:
            with self._read() as curs:
                curs.execute(
                    "SELECT subject_id, wrapped_key FROM subject_keys WHERE subject_id = ANY(%s)",
                    (list(unknown),),
                )
                rows = curs.fetchall()
            expires = time.monotonic() + self._ttl
            for row in rows:
                if row["wrapped_key"] is None:
                    raise SubjectWeededError(row["subject_id"])
                key = self._unwrap(row["subject_id"], bytes(row["wrapped_key"]))
                self._cache[row["subject_id"]] = (expires, AESGCM(key))
                missing.discard(row["subject_id"])
        new = {s: AESGCM.generate_key(bit_length=256) for s in missing}
        return {s: NewKey(s, key, self._wrap(s, key)) for s, key in new.items()}

    def remember(self, new_keys: dict[UUID, NewKey]) -> None:
        """Cache the keys a save created, once it has committed them."""
        expires = time.monotonic() + self._ttl
        for new in new_keys.values():
            self._cache[new.subject_id] = (expires, AESGCM(new.key))

    def load(self, subject_ids: set[UUID]) -> None:
        """Cache the existing keys of many subjects in one round trip (replays, the relay)."""
        missing = [s for s in subject_ids if self._cached(s) is None]
        if not missing:
            return
        with self._read() as curs:
            curs.execute(
                "SELECT subject_id, wrapped_key FROM subject_keys WHERE subject_id = ANY(%s)"
                " AND wrapped_key IS NOT NULL",
                (missing,),
            )
            rows = curs.fetchall()
        expires = time.monotonic() + self._ttl
        for row in rows:
            key = self._unwrap(row["subject_id"], bytes(row["wrapped_key"]))
            self._cache[row["subject_id"]] = (expires, AESGCM(key))

    def listen(self, database_url: str) -> KeyEvictions:
        """Evict keys that other processes destroy (LISTEN), until ``stop()``."""
        evictions = KeyEvictions(database_url, self._cache)
        evictions.start()
        return evictions

    @contextlib.contextmanager
    def _read(self) -> Iterator[Cursor[DictRow]]:
        """A cursor for one statement in autocommit: one round trip, no BEGIN/ROLLBACK."""
        with self._datastore.get_connection() as conn, conn.cursor() as curs:
            yield curs

    def _cached(self, subject_id: UUID) -> AESGCM | None:
        hit = self._cache.get(subject_id)
        return hit[1] if hit and hit[0] > time.monotonic() else None

    def _insert(self, subject_id: UUID) -> None:
        wrapped = self._wrap(subject_id, AESGCM.generate_key(bit_length=256))
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(
                "INSERT INTO subject_keys (subject_id, wrapped_key) VALUES (%s, %s)"
                " ON CONFLICT (subject_id) DO NOTHING",
                (subject_id, wrapped),
            )

    def _select(self, subject_id: UUID) -> AESGCM | None:
        with self._read() as curs:
            curs.execute(
                "SELECT wrapped_key FROM subject_keys WHERE subject_id = %s", (subject_id,)
            )
            row = curs.fetchone()
        if row is None or row["wrapped_key"] is None:
            return None
        aead = AESGCM(self._unwrap(subject_id, bytes(row["wrapped_key"])))
        self._cache[subject_id] = (time.monotonic() + self._ttl, aead)
        return aead

    def _wrap(self, subject_id: UUID, key: bytes) -> bytes:
        if self._kek is None:
            return key
        nonce = os.urandom(12)
        return nonce + self._kek.encrypt(nonce, key, subject_id.bytes)

    def _unwrap(self, subject_id: UUID, wrapped: bytes) -> bytes:
        if self._kek is None:
            return wrapped
        return self._kek.decrypt(wrapped[:12], wrapped[12:], subject_id.bytes)


class KeyEvictions(threading.Thread):
    """A thread on its own connection that drops a destroyed key from this process's cache
    within moments, instead of when its cache entry expires."""

    def __init__(self, database_url: str, cache: dict[UUID, tuple[float, AESGCM]]) -> None:
        super().__init__(name="tak-key-evictions", daemon=True)
        self._url, self._cache, self._stopping = database_url, cache, threading.Event()
        self.listening = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._listen()
            except psycopg.OperationalError as exc:
                log.warning("key evictions lost the database (%s); reconnecting", exc)
                self._stopping.wait(1.0)

    def _listen(self) -> None:
        with psycopg.connect(self._url, autocommit=True) as conn:
            conn.execute(f"LISTEN {DESTROYED_CHANNEL}")
            self._cache.clear()  # destructions missed while not listening
            self.listening.set()
            while not self._stopping.is_set():
                for notify in conn.notifies(timeout=0.5):
                    self._cache.pop(UUID(notify.payload), None)

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=5)

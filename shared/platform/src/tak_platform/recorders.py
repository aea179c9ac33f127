"""Recorders that store an idempotent command's receipt, and the keys of data subjects new
in a save, in the transaction of its events.

eventsourcing passes ``Application.save``'s keyword arguments down to the recorder's insert;
``TakApplication.save`` adds ``idempotent=`` (the command in progress). After the events'
insert, still inside their transaction (PostgreSQL) or lock (in memory), the recorder inserts
the receipt under the command's key: a key used before fails the whole save, as a stale
version does, and nothing of it is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from tak_platform.idempotency import IdempotentCommand, Receipt, stored_receipt
from tak_platform.keystore import NewKey


def _command(kwargs: dict[str, Any]) -> IdempotentCommand | None:
    command = kwargs.get("idempotent")
    return command if isinstance(command, IdempotentCommand) else None


class ReceiptKeyUsedError(IntegrityError):
    """The events' save failed because the command's ``Idempotency-Key`` was used before."""


def is_key_used(exc: IntegrityError) -> bool:
    """Whether a failed save failed on the command's key (not on a stale aggregate version)."""
    if isinstance(exc, ReceiptKeyUsedError):
        return True
    return _violated(exc, "table_name").endswith("_idempotency_keys")


def is_subject_key_taken(exc: IntegrityError) -> bool:
    """Whether a failed save failed on a new subject key because one was already stored."""
    return _violated(exc, "constraint_name") == "subject_keys_pkey"


def _violated(exc: IntegrityError, field: str) -> str:
    """What PostgreSQL's error names (``table_name``, ``constraint_name``); "" in memory."""
    value = getattr(getattr(exc.__cause__, "diag", None), field, None)
    return value if isinstance(value, str) else ""


class ReceiptPostgresRecorder(PostgresApplicationRecorder):
    """Receipts in ``<app>_idempotency_keys`` beside ``<app>_events``."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        table = Identifier(
            datastore.schema, events_table_name.removesuffix("_events") + "_idempotency_keys"
        )
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (key text PRIMARY KEY, fingerprint text NOT NULL,"
                " receipt jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
            ).format(table),
            # The reservations kept before receipts (no deployment had them).
            SQL("DROP TABLE IF EXISTS {}").format(Identifier(datastore.schema, "idempotency_keys")),
        ]
        self._insert_receipt: Composed = SQL(
            "INSERT INTO {} (key, fingerprint, receipt) VALUES (%s, %s, %s)"
        ).format(table)
        self._insert_key = "INSERT INTO subject_keys (subject_id, wrapped_key) VALUES (%s, %s)"
        self._select_receipt: Composed = SQL(
            "SELECT fingerprint, receipt::text AS receipt FROM {} WHERE key = %s"
        ).format(table)

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        """Before the events, in their transaction: the keys of subjects new in this save
        (a key already stored fails the save on ``subject_keys_pkey``)."""
        super()._insert_events(curs, stored_events, **kwargs)
        new_keys: dict[UUID, NewKey] = kwargs.get("new_keys") or {}
        if new_keys:
            curs.executemany(
                self._insert_key, [(k.subject_id, k.wrapped) for k in new_keys.values()]
            )

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        command = _command(kwargs)
        if command is not None and ids:
            text = command.recorded(stored_events, ids)
            if command.key is not None:
                with curs.connection.pipeline():  # nested: syncs, so a used key fails here
                    curs.execute(self._insert_receipt, (command.key, command.fingerprint, text))
        return ids

    def receipt(self, key: str, fingerprint: str) -> Receipt | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:  # one round trip
            curs.execute(self._select_receipt, (key,), prepare=True)
            row = curs.fetchone()
        found = None if row is None else (str(row["fingerprint"]), str(row["receipt"]))
        return stored_receipt(key, fingerprint, found)


class ReceiptPOPORecorder(POPOApplicationRecorder):
    """In memory, for unit tests: receipts in a dict, under the events' lock."""

    def __init__(self) -> None:
        super().__init__()
        self._receipts: dict[str, tuple[str, str]] = {}

    def _assert_uniqueness(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        super()._assert_uniqueness(stored_events, **kwargs)
        command = _command(kwargs)
        if command is not None and command.key in self._receipts:
            raise ReceiptKeyUsedError(f"Idempotency-Key {command.key!r} was used before")

    def _update_table(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._update_table(stored_events, **kwargs)
        command = _command(kwargs)
        if command is not None and ids:
            text = command.recorded(stored_events, ids)
            if command.key is not None:
                self._receipts[command.key] = (command.fingerprint, text)
        return ids

    def receipt(self, key: str, fingerprint: str) -> Receipt | None:
        with self._database_lock:
            found = self._receipts.get(key)
        return stored_receipt(key, fingerprint, found)

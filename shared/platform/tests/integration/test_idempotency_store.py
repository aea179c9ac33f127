"""``Idempotency-Key`` on PostgreSQL: the receipt commits with the events, or neither does."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from eventsourcing.persistence import PersistenceError
from idempotency_scenarios import two_requests_with_one_key
from ledger import LedgerApp, Note

from tak_platform.idempotency import fingerprint, run_idempotent

pytestmark = pytest.mark.integration

PRINT = fingerprint("write", {"text": "x"})


@pytest.fixture
def database(make_database: Callable[[str], str]) -> str:
    return make_database("idem")


@pytest.fixture
def app(database: str) -> Iterator[LedgerApp]:
    app = LedgerApp.for_database(database)
    yield app
    app.close()


def write(app: LedgerApp) -> None:
    note = Note.write("x")
    app.save_or_conflict(note, facts={"note_id": str(note.id)})


def rows(database: str) -> tuple[int, int]:
    with psycopg.connect(database) as conn:
        events = conn.execute("SELECT count(*) FROM ledger_events").fetchone()
        receipts = conn.execute("SELECT count(*) FROM ledger_idempotency_keys").fetchone()
    assert events is not None and receipts is not None
    return events[0], receipts[0]


def test_a_retry_in_another_process_gets_the_stored_receipt(app: LedgerApp, database: str) -> None:
    first = run_idempotent(app.receipts, "k", PRINT, lambda: write(app))
    restarted = LedgerApp.for_database(database)
    try:
        again = run_idempotent(restarted.receipts, "k", PRINT, lambda: write(restarted))
    finally:
        restarted.close()
    assert again == first and first.position == 1 and rows(database) == (1, 1)


def test_when_the_transaction_fails_after_the_events_insert_neither_events_nor_receipt_remain(
    app: LedgerApp, database: str
) -> None:
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'refused after the events'; END $$;"
            " CREATE TRIGGER refuse BEFORE INSERT ON ledger_idempotency_keys"
            " FOR EACH ROW EXECUTE FUNCTION refuse()"
        )
    with pytest.raises(PersistenceError, match="refused after the events"):
        run_idempotent(app.receipts, "k", PRINT, lambda: write(app))
    assert rows(database) == (0, 0)


def test_two_requests_with_one_key_take_effect_once_and_get_the_same_receipt(
    app: LedgerApp, database: str
) -> None:
    answers = two_requests_with_one_key(app, PRINT)
    assert len(answers) == 2 and answers[0] == answers[1] and rows(database) == (1, 1)

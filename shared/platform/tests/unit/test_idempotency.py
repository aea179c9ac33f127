"""``Idempotency-Key`` on the in-memory store: a retried command is answered from its receipt."""

from __future__ import annotations

import pytest
from idempotency_scenarios import two_requests_with_one_key
from ledger import LedgerApp, Note

from tak_platform.errors import Conflict, Invalid
from tak_platform.idempotency import Receipt, fingerprint, run_idempotent

PRINT = fingerprint("write", {"text": "x"})


@pytest.fixture
def app() -> LedgerApp:
    return LedgerApp.for_database(None)


def notes(app: LedgerApp) -> int:
    return app.recorder.max_notification_id() or 0


def write(app: LedgerApp, runs: list[Note] | None = None) -> None:
    note = Note.write("x")
    (runs if runs is not None else []).append(note)
    app.save_or_conflict(note, facts={"note_id": str(note.id)})


def test_a_retry_gets_the_first_receipt_and_records_nothing_again(app: LedgerApp) -> None:
    """The retry decides again (nothing is read before a command), but its save fails on the
    key and it is answered from the first run's receipt: one note, the first note's id."""
    runs: list[Note] = []
    first = run_idempotent(app.receipts, "k", PRINT, lambda: write(app, runs))
    again = run_idempotent(app.receipts, "k", PRINT, lambda: write(app, runs))
    assert first == again and notes(app) == 1
    assert first == Receipt(1, {str(runs[0].id): 1}, {"note_id": str(runs[0].id)})


def test_the_same_key_with_another_body_is_refused(app: LedgerApp) -> None:
    run_idempotent(app.receipts, "k", PRINT, lambda: write(app))
    with pytest.raises(Invalid, match="another request"):
        run_idempotent(app.receipts, "k", fingerprint("write", {"text": "y"}), lambda: write(app))
    assert notes(app) == 1


def test_a_command_that_fails_stores_nothing_and_its_retry_runs(app: LedgerApp) -> None:
    def refused() -> None:
        raise Conflict("stale")

    with pytest.raises(Conflict):
        run_idempotent(app.receipts, "k", PRINT, refused)
    assert app.receipts.receipt("k", PRINT) is None
    run_idempotent(app.receipts, "k", PRINT, lambda: write(app))
    assert notes(app) == 1


def test_a_save_refused_as_stale_stores_no_receipt(app: LedgerApp) -> None:
    note = Note.write("x")
    app.save(note)
    stale: Note = app.repository.get(note.id)
    note.amend("first")
    app.save(note)
    stale.amend("second")
    with pytest.raises(Conflict):
        run_idempotent(app.receipts, "k", PRINT, lambda: app.save_or_conflict(stale))
    assert app.receipts.receipt("k", PRINT) is None and notes(app) == 2


def test_two_requests_with_one_key_take_effect_once_and_get_the_same_receipt(
    app: LedgerApp,
) -> None:
    answers = two_requests_with_one_key(app, PRINT)
    assert len(answers) == 2 and answers[0] == answers[1] and notes(app) == 1


def test_only_the_first_save_of_a_command_carries_its_receipt(app: LedgerApp) -> None:
    def two_saves() -> None:
        write(app)
        write(app)

    receipt = run_idempotent(app.receipts, "k", PRINT, two_saves)
    assert receipt.position == 1 and notes(app) == 2


def test_without_a_key_the_command_runs_each_time_and_is_answered_from_its_receipt(
    app: LedgerApp,
) -> None:
    first = run_idempotent(app.receipts, None, PRINT, lambda: write(app))
    second = run_idempotent(app.receipts, None, PRINT, lambda: write(app))
    assert (first.position, second.position) == (1, 2) and notes(app) == 2


def test_a_command_that_saves_nothing_is_a_programming_error(app: LedgerApp) -> None:
    with pytest.raises(RuntimeError, match="saved none"):
        run_idempotent(app.receipts, "k", PRINT, lambda: None)

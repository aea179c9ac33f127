"""Idempotency scenarios run against every backend (in memory and PostgreSQL) alike."""

from __future__ import annotations

import threading

from ledger import LedgerApp, Note

from tak_platform.idempotency import Receipt, run_idempotent


def two_requests_with_one_key(app: LedgerApp, print_: str) -> list[Receipt]:
    """Two requests with one key both decide before either saves; returns both answers."""
    both_decided = threading.Barrier(2)
    answers: list[Receipt] = []

    def decide_then_save() -> None:
        note = Note.write("x")
        both_decided.wait(5)
        app.save_or_conflict(note, facts={"note_id": str(note.id)})

    def request() -> None:
        answers.append(run_idempotent(app.receipts, "k", print_, decide_then_save))

    threads = [threading.Thread(target=request) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return answers

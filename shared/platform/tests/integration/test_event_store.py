"""The event store on real PostgreSQL: sealed at rest, shredded by key destruction, 409s."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from ledger import LedgerApp, Note

from tak_platform.errors import Conflict, Gone
from tak_platform.weeding import Redacted, WeededAggregate

pytestmark = pytest.mark.integration
SECRET = "Cecilia Exempelsson 19800101-0008"


def raw_database_bytes(url: str) -> bytes:
    """Every stored byte of events, snapshots and keys, as a dump would see them."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT state FROM ledger_events").fetchall()
        keys = conn.execute("SELECT coalesce(wrapped_key, '') FROM subject_keys").fetchall()
    return b"".join(bytes(r[0]) for r in rows + keys)


def test_after_the_key_is_destroyed_the_record_is_a_tombstone_and_unrecoverable(
    make_database: Callable[[str], str],
) -> None:
    url = make_database("ledger")
    app = LedgerApp.for_database(url)
    note = Note.write(SECRET)
    app.save(note)
    assert SECRET.encode() not in raw_database_bytes(url)
    with psycopg.connect(url) as conn:
        [(key,)] = conn.execute("SELECT wrapped_key FROM subject_keys").fetchall()
    app.weed(note.id, [note.id], reason="gallring")
    app.close()

    fresh = LedgerApp.for_database(url)  # a cold process: no cached key
    assert isinstance(fresh.repository.get(note.id), WeededAggregate)
    assert bytes(key) not in raw_database_bytes(url)
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT wrapped_key, destroyed_at FROM subject_keys").fetchone()
    assert row is not None and row[0] is None and row[1] is not None
    fresh.close()


def test_concurrent_writes_to_one_record_give_a_conflict(
    make_database: Callable[[str], str],
) -> None:
    url = make_database("ledger")
    app_a, app_b = LedgerApp.for_database(url), LedgerApp.for_database(url)
    note = Note.write("first")
    app_a.save(note)
    copy_a: Note = app_a.repository.get(note.id)
    copy_b: Note = app_b.repository.get(note.id)
    copy_a.amend("by A")
    copy_b.amend("by B")
    app_a.save_or_conflict(copy_a)
    with pytest.raises(Conflict):
        app_b.save_or_conflict(copy_b)
    assert app_b.repository.get(note.id).text == "by A"
    app_a.close()
    app_b.close()


def test_a_key_destroyed_by_another_process_is_forgotten_here_within_moments(
    make_database: Callable[[str], str],
) -> None:
    url = make_database("ledger")
    here, there = LedgerApp.for_database(url), LedgerApp.for_database(url)
    note = Note.write(SECRET)
    here.save(note)
    assert here.repository.get(note.id).text == SECRET  # the key is now cached here
    assert here.key_evictions is not None and here.key_evictions.listening.wait(5)
    there.weed(note.id, [note.id], reason="gallring")
    deadline = time.monotonic() + 5
    while not isinstance(here.mapper.to_domain_event(_first(here)), Redacted):
        assert time.monotonic() < deadline, "the destroyed key is still cached here"
        time.sleep(0.05)
    here.close()
    there.close()


def _first(app: LedgerApp) -> Any:
    return app.recorder.select_notifications(start=1, limit=1)[0]


def test_key_evictions_listen_again_after_losing_the_database(
    make_database: Callable[[str], str],
) -> None:
    url = make_database("ledger")
    here, there = LedgerApp.for_database(url), LedgerApp.for_database(url)
    note = Note.write(SECRET)
    here.save(note)
    evictions = here.key_evictions
    assert evictions is not None and evictions.listening.wait(5)
    evictions.listening.clear()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE query LIKE 'LISTEN tak_subject_key_destroyed%'"
        )
    assert evictions.listening.wait(10), "did not listen again"
    assert here.repository.get(note.id).text == SECRET
    there.weed(note.id, [note.id], reason="gallring")
    deadline = time.monotonic() + 5
    while not isinstance(here.mapper.to_domain_event(_first(here)), Redacted):
        assert time.monotonic() < deadline, "the destroyed key is still cached here"
        time.sleep(0.05)
    here.close()
    there.close()


def key_rows(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT subject_id, wrapped_key IS NULL FROM subject_keys ORDER BY created_at"
        ).fetchall()


def test_a_new_records_key_is_written_with_its_events_and_not_without_them(
    make_database: Callable[[str], str],
) -> None:
    """The key of a record's subject commits in the save's own transaction: a save refused as
    a concurrent write leaves no key behind, and a committed one leaves exactly one."""
    url = make_database("ledger")
    app = LedgerApp.for_database(url)
    note = Note.write(SECRET)
    app.save(note)
    twin = Note._create(Note.Written, id=note.id, text="another first event")  # same id
    with pytest.raises(Conflict):
        app.save_or_conflict(twin)
    other = Note.write("second")
    with pytest.raises(Conflict):  # one save, two records: the second fails the first too
        app.save_or_conflict(other, Note._create(Note.Written, id=note.id, text="again"))
    assert key_rows(url) == [(note.id, False)]
    assert other.id not in {row[0] for row in key_rows(url)}
    fresh = LedgerApp.for_database(url)  # a cold process reads what the first one sealed
    assert fresh.repository.get(note.id).text == SECRET
    fresh.close()
    app.close()


def test_a_key_left_by_an_earlier_failed_save_is_used_not_duplicated(
    make_database: Callable[[str], str],
) -> None:
    """A key row without events (left before keys were written with the events) makes the
    first save of that record look the key up and seal under it: still one key per subject."""
    url = make_database("ledger")
    app = LedgerApp.for_database(url)
    note = Note.write(SECRET)
    app.keystore.get_or_create(note.id)  # a key of its own transaction, as before
    app.close()
    cold = LedgerApp.for_database(url)
    cold.save(note)
    assert key_rows(url) == [(note.id, False)]
    assert LedgerApp.for_database(url).repository.get(note.id).text == SECRET
    cold.close()


def test_a_weeded_subjects_key_is_never_made_again(
    make_database: Callable[[str], str],
) -> None:
    """A new record whose subject was weeded (key row without a key) is refused with 410."""
    url = make_database("ledger")
    app = LedgerApp.for_database(url)
    note = Note.write(SECRET)
    app.save(note)
    app.weed(note.id, [note.id], reason="gallring")
    reborn = Note._create(Note.Written, id=note.id, text="new personal data")
    with pytest.raises(Gone):  # its key is looked up, found destroyed
        app.save_or_conflict(reborn)
    mentioning = Note.write("about a weeded person")
    mentioning.mention(note.id, "Weeded Testsson")
    with pytest.raises(Gone):
        app.save(mentioning)
    assert key_rows(url) == [(note.id, True)]
    app.close()

"""Personal data sealed per data subject; weeding by destroying the key
(docs/architecture.md, write side)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import MapperDeserialisationError
from ledger import LedgerApp, Note

from tak_platform.keystore import SubjectWeededError
from tak_platform.weeding import WeededAggregate


@pytest.fixture
def app() -> LedgerApp:
    return LedgerApp.for_database(None)


def stored_states(app: LedgerApp) -> list[bytes]:
    return [n.state for n in app.recorder.select_notifications(start=1, limit=100)]


def test_stored_events_do_not_contain_the_personal_data(app: LedgerApp) -> None:
    note = Note.write("Anna Andersson 19811218-9876")
    app.save(note)
    assert all(b"Anna" not in s and b"19811218" not in s for s in stored_states(app))
    assert app.repository.get(note.id).text == "Anna Andersson 19811218-9876"


def test_weeded_record_reads_back_as_a_tombstone(app: LedgerApp) -> None:
    note, other = Note.write("Anna"), Note.write("Bertil")
    app.save(note, other)
    app.weed(note.id, [note.id], reason="gallring: five years after the last note")
    weeded: object = app.repository.get(note.id)
    assert isinstance(weeded, WeededAggregate)
    assert weeded.version == 2 and weeded.weeded_on is not None
    assert app.repository.get(other.id).text == "Bertil"


def test_weeded_record_at_an_earlier_version_is_a_tombstone_too(app: LedgerApp) -> None:
    note = Note.write("Anna")
    app.save(note)
    app.weed(note.id, [note.id], reason="gallring")
    assert isinstance(app.repository.get(note.id, version=1), WeededAggregate)


def test_a_weeded_subject_cannot_be_written_again(app: LedgerApp) -> None:
    note = Note.write("Anna")
    app.save(note)
    app.weed(note.id, [note.id], reason="gallring")
    fresh = Note._create(Note.Written, id=note.id, text="again")
    with pytest.raises(SubjectWeededError):
        app.save(fresh)


def test_a_tampered_stored_event_raises_instead_of_reading_as_weeded(app: LedgerApp) -> None:
    note = Note.write("Anna")
    app.save(note)
    [stored] = app.recorder.select_notifications(start=1, limit=1)
    tampered = bytearray(stored.state)
    tampered[-1] ^= 1
    forged = type(stored)(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=bytes(tampered),
        id=stored.id,
    )
    with pytest.raises(MapperDeserialisationError):
        app.mapper.to_domain_event(forged)


def test_weeding_someone_else_mentioned_in_a_record_leaves_the_record_readable(
    app: LedgerApp,
) -> None:
    note = Note.write("the apartment")
    app.save(note)
    resident = uuid4()
    note.mention(resident, "Dora Provsson")
    app.save(note)
    app.weed(resident, [note.id], reason="gallring of the resident")
    after: Any = app.repository.get(note.id)
    assert isinstance(after, Note) and after.text == "the apartment"
    assert after.mentioned == [] and after.version == 3

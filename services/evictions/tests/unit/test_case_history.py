"""A case's history is a view: each stored event is shown by its own entry model, with the
fields that model names and no others, and the OpenAPI shows each entry's schema."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate
from fastapi.testclient import TestClient

from tak_evictions.bootstrap import create_app
from tak_evictions.domain.eviction_case import EvictionCase
from tak_evictions.features.get_case.history import entry
from tak_evictions.settings import EvictionsSettings

from .conftest import MONDAY

UNUSED = {"Created", "Event"}
"""Classes eventsourcing asks for that no case ever stores."""
EVENTS = [
    cls
    for name, cls in vars(EvictionCase).items()
    if isinstance(cls, type) and issubclass(cls, Aggregate.Event) and name not in UNUSED
]


@pytest.fixture
def client() -> Iterator[TestClient]:
    settings = EvictionsSettings(pseudonym_key="k" * 32, nats_url="nats://127.0.0.1:1")
    api = create_app(settings, now=lambda: datetime(2026, 11, 23, 10, tzinfo=UTC))
    with TestClient(api) as c:
        yield c


@pytest.mark.parametrize("event", EVENTS, ids=lambda cls: cls.__name__)
def test_every_event_of_a_case_has_its_history_view(event: type) -> None:
    assert entry.dispatch(event) is not entry.dispatch(object)


class NoteWrittenWithMood(EvictionCase.NoteWritten):
    """A note event as it might be stored once the domain adds a field."""

    mood: str


def test_a_field_added_to_a_stored_event_is_not_shown_until_its_view_names_it() -> None:
    stored: dict[str, Any] = {
        "originator_id": uuid4(),
        "originator_version": 2,
        "timestamp": MONDAY,
        "household_pseudonym": "p" * 64,
        "is_test_data": True,
        "text": "Hembesök gjort.",
        "recorded_by": "bo1",
        "mood": "worried",
    }
    event = NoteWrittenWithMood(**stored)

    shown = entry(event).model_dump(mode="json")

    assert shown["event"] == "NoteWritten" and shown["text"] == "Hembesök gjort."
    assert "mood" not in shown and "household_pseudonym" not in shown


def test_the_openapi_shows_each_history_entry_by_its_event(client: TestClient) -> None:
    schemas = client.app.openapi()["components"]["schemas"]  # type: ignore[attr-defined]

    items = schemas["CaseOut"]["properties"]["history"]["items"]

    assert items["discriminator"]["propertyName"] == "event"
    assert set(items["discriminator"]["mapping"]) == {cls.__name__ for cls in EVENTS}
    note = schemas["NoteWrittenEntry"]
    assert (
        set(note["properties"]) == set(note["required"]) == {"version", "at", "by", "event", "text"}
    )


STEPS: list[tuple[str, dict[str, Any]]] = [
    ("contact-attempts", {"channel": "phone", "on": "2026-11-23", "reached": True}),
    ("counselling-referrals", {"on": "2026-11-23"}),
    ("counselling-outcomes", {"outcome": "budget_made", "on": "2026-11-23"}),
    ("repayment-plans", {"amount": "14500", "instalments": 6, "agreed_on": "2026-11-23"}),
    ("landlord-contacts", {"on": "2026-11-23", "summary": "Värden väntar."}),
    (
        "enforcement-decisions",
        {
            "decision": "eviction_date_set",
            "decided_on": "2026-11-23",
            "eviction_date": "2026-12-10",
        },
    ),
    ("notes", {"text": "Hembesök gjort."}),
    (
        "closure",
        {
            "outcome": "executed",
            "on": "2026-11-23",
            "children_registered": 1,
            "children_not_registered": 0,
        },
    ),
    ("housing-alternative", {"alternative": {"kind": "shelter_or_hostel"}}),
]


def test_each_entry_answers_exactly_the_fields_its_schema_shows(client: TestClient) -> None:
    threat = {
        "tenant": {"name": "Nils Provlund", "personal_identity_number": "19811218-9876"},
        "address": "Testbacken 3",
        "landlord_name": "Demo AB",
        "adults": 1,
        "children": [{"birth_year": 2016, "registered_at_address": True}],
        "signal": {"kind": "rent_arrears", "received_on": "2026-11-20", "arrears_amount": "14500"},
        "registered_by": "bo1",
        "is_test_data": True,
    }
    case_id = client.post("/api/cases", json=threat).json()["case_id"]
    for path, body in STEPS:
        answer = client.post(f"/api/cases/{case_id}/{path}", json=body | {"recorded_by": "bo2"})
        assert answer.status_code == 201, (path, answer.text)

    history = client.get(f"/api/cases/{case_id}").json()["history"]

    schemas = client.app.openapi()["components"]["schemas"]  # type: ignore[attr-defined]
    assert [h["version"] for h in history] == list(range(1, len(STEPS) + 2))
    for shown in history:
        assert set(shown) == set(schemas[f"{shown['event']}Entry"]["properties"]), shown["event"]

"""The case API on the in-memory store: answers, and each bad input a 4xx naming the problem
with nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tak_evictions.bootstrap import create_app
from tak_evictions.settings import EvictionsSettings

TODAY = date(2026, 11, 23)


@pytest.fixture
def client() -> Iterator[TestClient]:
    settings = EvictionsSettings(pseudonym_key="k" * 32, nats_url="nats://127.0.0.1:1")
    api = create_app(settings, now=lambda: datetime(2026, 11, 23, 10, tzinfo=UTC))
    with TestClient(api) as c:
        yield c


def threat(**changes: Any) -> dict[str, Any]:
    body = {
        "tenant": {
            "name": "Nils Provlund",
            "personal_identity_number": "19811218-9876",
            "phone": "070-000 22 33",
        },
        "address": "Testbacken 3",
        "landlord_name": "Demo AB",
        "adults": 1,
        "children": [{"birth_year": 2016, "registered_at_address": True}],
        "signal": {
            "kind": "rent_arrears",
            "received_on": "2026-11-20",
            "arrears_amount": "14500",
            "arrears_months": 2,
        },
        "registered_by": "bo1",
        "is_test_data": True,
    }
    return body | changes


def events(client: TestClient) -> int:
    return client.app.state.services.app.recorder.max_notification_id() or 0  # type: ignore[attr-defined]


def opened(client: TestClient) -> str:
    answer = client.post("/api/cases", json=threat())
    assert answer.status_code == 201, answer.text
    return str(answer.json()["case_id"])


def error_at(answer: Any) -> list[str]:
    return list(answer.json()["detail"][0]["loc"])


def test_a_second_signal_is_added_to_the_open_case_and_says_so(client: TestClient) -> None:
    case_id = opened(client)
    again = client.post("/api/cases", json=threat())
    assert again.status_code == 200
    assert again.json()["case_id"] == case_id and again.json()["outcome"] == "added_to_open_case"


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"signal": {"kind": "rumour", "received_on": "2026-11-20"}}, ["body", "signal", "kind"]),
        (
            {
                "signal": {
                    "kind": "rent_arrears",
                    "received_on": "2026-11-20",
                    "arrears_amount": "-5",
                }
            },
            ["body", "signal", "arrears_amount"],
        ),
        (
            {
                "signal": {
                    "kind": "enforcement_application",
                    "received_on": "2026-11-20",
                    "eviction_date": "2026-11-01",
                }
            },
            ["body", "signal", "eviction_date"],
        ),
        (
            {"tenant": {"name": "N", "personal_identity_number": "19811218-9875"}},
            ["body", "tenant", "personal_identity_number"],
        ),
        ({"adults": 0}, ["body", "adults"]),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_recorded(
    client: TestClient, change: dict[str, Any], loc: list[str]
) -> None:
    answer = client.post("/api/cases", json=threat(**change))
    assert answer.status_code == 422 and error_at(answer)[: len(loc)] == loc
    assert events(client) == 0


def test_a_missing_field_is_a_422_naming_it(client: TestClient) -> None:
    body = threat()
    del body["landlord_name"]
    answer = client.post("/api/cases", json=body)
    assert answer.status_code == 422 and error_at(answer) == ["body", "landlord_name"]


def test_every_step_is_recorded_with_who_and_shows_in_the_history(client: TestClient) -> None:
    case_id = opened(client)
    steps: list[tuple[str, dict[str, Any]]] = [
        ("contact-attempts", {"channel": "home_visit", "on": "2026-11-23", "reached": True}),
        ("counselling-referrals", {"on": "2026-11-23"}),
        ("counselling-outcomes", {"outcome": "budget_made", "on": "2026-11-23"}),
        ("repayment-plans", {"amount": "14500", "instalments": 6, "agreed_on": "2026-11-23"}),
        ("landlord-contacts", {"on": "2026-11-23", "summary": "Värden väntar."}),
        (
            "enforcement-decisions",
            {"decision": "application_withdrawn", "decided_on": "2026-11-23"},
        ),
        ("notes", {"text": "Hembesök gjort."}),
        ("closure", {"outcome": "prevented", "how": "repayment_plan", "on": "2026-11-23"}),
    ]
    for path, body in steps:
        answer = client.post(f"/api/cases/{case_id}/{path}", json=body | {"recorded_by": "bo2"})
        assert answer.status_code == 201, (path, answer.text)
    case = client.get(f"/api/cases/{case_id}").json()
    assert case["status"] == "closed" and case["closure"]["prevented_how"] == "repayment_plan"
    assert [h["by"] for h in case["history"][1:]] == ["bo2"] * len(steps)
    assert case["history"][-1]["event"] == "Prevented"


def test_closing_a_closed_case_is_a_409_and_changes_nothing(client: TestClient) -> None:
    case_id = opened(client)
    close = {
        "outcome": "moved",
        "moved_to": "second_hand",
        "on": "2026-11-23",
        "recorded_by": "bo1",
    }
    assert client.post(f"/api/cases/{case_id}/closure", json=close).status_code == 201
    before = events(client)
    again = client.post(f"/api/cases/{case_id}/closure", json=close)
    assert again.status_code == 409 and "already closed" in again.json()["detail"][0]["msg"]
    assert error_at(again) == ["path", "case_id"]
    assert events(client) == before


def test_a_step_on_an_unknown_case_is_a_404(client: TestClient) -> None:
    answer = client.post(
        "/api/cases/00000000-0000-0000-0000-000000000000/notes",
        json={"text": "x", "recorded_by": "bo1"},
    )
    assert answer.status_code == 404 and error_at(answer) == ["path", "case_id"]


def test_a_step_on_a_stale_version_is_a_409(client: TestClient) -> None:
    case_id = opened(client)
    note = {"text": "x", "recorded_by": "bo1"}
    assert (
        client.post(f"/api/cases/{case_id}/notes", json=note, headers={"If-Match": "1"}).status_code
        == 201
    )
    stale = client.post(f"/api/cases/{case_id}/notes", json=note, headers={"If-Match": "1"})
    assert stale.status_code == 409 and error_at(stale) == ["header", "if-match"]


def test_a_malformed_if_match_is_a_422(client: TestClient) -> None:
    answer = client.post(
        f"/api/cases/{opened(client)}/notes",
        json={"text": "x", "recorded_by": "bo1"},
        headers={"If-Match": "soon"},
    )
    assert answer.status_code == 422 and error_at(answer) == ["header", "if-match"]


def test_an_execution_with_children_and_no_alternative_opens_the_alert(client: TestClient) -> None:
    case_id = opened(client)
    executed = client.post(
        f"/api/cases/{case_id}/closure",
        json={
            "outcome": "executed",
            "on": "2026-11-23",
            "children_registered": 1,
            "children_not_registered": 0,
            "recorded_by": "bo1",
        },
    )
    assert executed.status_code == 201
    case = client.get(f"/api/cases/{case_id}").json()
    assert case["child_alert_open"] and case["emergency_apartment_request"]
    resolved = client.post(
        f"/api/cases/{case_id}/housing-alternative",
        json={"alternative": {"kind": "emergency_apartment"}, "recorded_by": "bo1"},
    )
    assert resolved.status_code == 201
    assert not client.get(f"/api/cases/{case_id}").json()["child_alert_open"]


def test_an_execution_in_the_future_is_a_422_naming_the_day(client: TestClient) -> None:
    answer = client.post(
        f"/api/cases/{opened(client)}/closure",
        json={
            "outcome": "executed",
            "on": "2026-12-01",
            "children_registered": 0,
            "children_not_registered": 0,
            "recorded_by": "bo1",
        },
    )
    assert answer.status_code == 422 and error_at(answer) == ["body", "on"]


def test_the_case_as_it_stood_at_version_one(client: TestClient) -> None:
    case_id = opened(client)
    client.post(f"/api/cases/{case_id}/notes", json={"text": "x", "recorded_by": "bo1"})
    old = client.get(f"/api/cases/{case_id}", params={"version": 1}).json()
    assert old["version"] == 1 and len(old["history"]) == 1


def test_the_same_idempotency_key_registers_once(client: TestClient) -> None:
    first = client.post("/api/cases", json=threat(), headers={"Idempotency-Key": "a"})
    again = client.post("/api/cases", json=threat(), headers={"Idempotency-Key": "a"})
    assert first.json() == again.json() and again.status_code == 201 and events(client) == 1


def test_a_replayed_signal_is_answered_byte_for_byte_as_the_first_time(client: TestClient) -> None:
    opened(client)
    first = client.post("/api/cases", json=threat(), headers={"Idempotency-Key": "b"})
    client.post(
        f"/api/cases/{first.json()['case_id']}/notes", json={"text": "x", "recorded_by": "bo1"}
    )
    again = client.post("/api/cases", json=threat(), headers={"Idempotency-Key": "b"})
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert first.status_code == 200 and first.json()["outcome"] == "added_to_open_case"
    assert events(client) == 3


def test_a_signal_received_in_the_future_is_a_422(client: TestClient) -> None:
    answer = client.post(
        "/api/cases", json=threat(signal={"kind": "other", "received_on": "2026-12-24"})
    )
    assert answer.status_code == 422 and error_at(answer) == ["body", "signal", "received_on"]


def test_an_eviction_date_set_before_the_registration_is_a_422(client: TestClient) -> None:
    answer = client.post(
        f"/api/cases/{opened(client)}/enforcement-decisions",
        json={
            "decision": "eviction_date_set",
            "decided_on": "2026-11-23",
            "eviction_date": "2020-01-01",
            "recorded_by": "bo1",
        },
    )
    assert answer.status_code == 422 and error_at(answer) == ["body", "eviction_date"]


def test_a_version_the_case_never_had_is_a_404_naming_the_query(client: TestClient) -> None:
    answer = client.get(f"/api/cases/{opened(client)}", params={"version": 99})
    assert answer.status_code == 404 and error_at(answer) == ["query", "version"]

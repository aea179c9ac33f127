"""The case API refuses what it cannot or should not store, with a 422 that names the field and
never carries the personal data sent; nothing is recorded. In memory (the work list's bounds
are checked on PostgreSQL in the integration tests)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tak_evictions.bootstrap import create_app
from tak_evictions.settings import EvictionsSettings

NAME, NUMBER, PHONE = "Nils Provlund", "19811218-9876", "070-000 22 33"


@pytest.fixture
def client() -> Iterator[TestClient]:
    settings = EvictionsSettings(pseudonym_key="k" * 32, nats_url="nats://127.0.0.1:1")
    api = create_app(settings, now=lambda: datetime(2026, 11, 23, 10, tzinfo=UTC))
    with TestClient(api) as c:
        yield c


def threat(tenant: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    return {
        "tenant": {"name": NAME, "personal_identity_number": NUMBER, "phone": PHONE}
        | (tenant or {}),
        "address": "Testbacken 3",
        "landlord_name": "Demo AB",
        "adults": 1,
        "signal": {"kind": "rent_arrears", "received_on": "2026-11-20"},
        "registered_by": "bo1",
        "is_test_data": True,
    } | changes


def events(client: TestClient) -> int:
    return client.app.state.services.app.recorder.max_notification_id() or 0  # type: ignore[attr-defined]


def refused(answer: Any) -> list[dict[str, Any]]:
    assert answer.status_code == 422, answer.text
    details: list[dict[str, Any]] = answer.json()["detail"]
    for detail in details:
        assert set(detail) <= {"loc", "msg", "type", "fix"}
    return details


def test_a_nul_in_the_tenants_name_is_refused_naming_the_field(client: TestClient) -> None:
    answer = client.post("/api/cases", json=threat({"name": "Nils\u0000Provlund"}))

    (detail,) = refused(answer)
    assert detail["loc"] == ["body", "tenant", "name"] and detail["type"] == "nul_character"
    assert "Nils" not in answer.text
    assert events(client) == 0


def test_a_nul_in_a_note_on_a_case_is_refused_and_the_case_is_unchanged(
    client: TestClient,
) -> None:
    case_id = client.post("/api/cases", json=threat()).json()["case_id"]

    answer = client.post(
        f"/api/cases/{case_id}/notes", json={"recorded_by": "bo1", "text": "Hem\u0000besök"}
    )

    assert refused(answer)[0]["loc"] == ["body", "text"]
    assert client.get(f"/api/cases/{case_id}").json()["version"] == 1


@pytest.mark.parametrize(
    ("tenant", "needles"),
    [
        ({"personal_identity_number": "19811218-9875"}, ["19811218", "9875", NAME]),
        ({"personal_identity_number": "19811318-9876"}, ["19811318", "811318", NAME]),
        ({"personal_identity_number": "1981-12-18 9876"}, ["1981-12-18", NAME]),
        ({"personal_identity_number": NAME}, [NAME]),
        ({"name": NAME * 20}, [NAME]),
        ({"name": ""}, [NUMBER, PHONE]),
        ({"phone": PHONE * 5}, [PHONE]),
        ({"name": 42}, [NUMBER, PHONE]),
        ({"nickname": NAME}, [NAME]),
    ],
)
def test_a_refusal_never_carries_the_personal_data_sent(
    client: TestClient, tenant: dict[str, Any], needles: list[str]
) -> None:
    answer = client.post("/api/cases", json=threat(tenant))

    refused(answer)
    assert not [n for n in needles if n in answer.text]
    assert events(client) == 0


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        (
            {
                "signal": {
                    "kind": "rent_arrears",
                    "received_on": "2026-11-20",
                    "arrears_amount": 1e12,
                }
            },
            ["body", "signal", "arrears_amount"],
        ),
        (
            {
                "signal": {
                    "kind": "rent_arrears",
                    "received_on": "2026-11-20",
                    "arrears_amount": "100.005",
                }
            },
            ["body", "signal", "arrears_amount"],
        ),
        (
            {
                "signal": {
                    "kind": "rent_arrears",
                    "received_on": "2026-11-20",
                    "arrears_months": 121,
                }
            },
            ["body", "signal", "arrears_months"],
        ),
        ({"adults": 21}, ["body", "adults"]),
        (
            {"children": [{"birth_year": 2016, "registered_at_address": True}] * 21},
            ["body", "children"],
        ),
    ],
)
def test_amounts_and_counts_have_upper_bounds(
    client: TestClient, change: dict[str, Any], loc: list[str]
) -> None:
    (detail,) = refused(client.post("/api/cases", json=threat(**change)))
    assert detail["loc"] == loc and detail["fix"]
    assert events(client) == 0


def test_a_repayment_plan_has_an_upper_bound(client: TestClient) -> None:
    case_id = client.post("/api/cases", json=threat()).json()["case_id"]
    plan = {"recorded_by": "bo1", "amount": "100000001", "instalments": 6}

    answer = client.post(
        f"/api/cases/{case_id}/repayment-plans", json=plan | {"agreed_on": "2026-11-23"}
    )

    assert refused(answer)[0]["loc"] == ["body", "amount"]


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"is_test_data": 0}, ["body", "is_test_data"]),
        ({"adults": "1"}, ["body", "adults"]),
        ({"adults": 1.0}, ["body", "adults"]),
        (
            {"signal": {"kind": "rent_arrears", "received_on": 1_763_600_000}},
            ["body", "signal", "received_on"],
        ),
        (
            {"signal": {"kind": "rent_arrears", "received_on": "0202-11-20"}},
            ["body", "signal", "received_on"],
        ),
    ],
)
def test_a_body_is_taken_as_its_schema_says(
    client: TestClient, change: dict[str, Any], loc: list[str]
) -> None:
    (detail,) = refused(client.post("/api/cases", json=threat(**change)))
    assert detail["loc"] == loc
    assert events(client) == 0


def test_an_as_at_version_and_an_idempotency_key_have_upper_bounds(client: TestClient) -> None:
    case_id = client.post("/api/cases", json=threat()).json()["case_id"]

    version = client.get(f"/api/cases/{case_id}", params={"version": 10**20})
    key = client.post("/api/cases", json=threat(), headers={"Idempotency-Key": "k" * 201})

    assert refused(version)[0]["loc"] == ["query", "version"]
    assert refused(key)[0]["loc"] == ["header", "idempotency-key"]

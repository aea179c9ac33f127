"""Registering a threat over HTTP on the in-memory store: answers and refusals."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tak_evictions.bootstrap import create_app
from tak_evictions.settings import EvictionsSettings
from tak_platform.launcher.demo import threat


@pytest.fixture
def client() -> Iterator[TestClient]:
    settings = EvictionsSettings(pseudonym_key="k" * 32, nats_url="nats://127.0.0.1:1")
    with TestClient(create_app(settings)) as c:
        yield c


def body(**changes: Any) -> dict[str, Any]:
    return threat(random.Random(3), date(2026, 11, 23)) | changes


def test_a_registered_threat_can_be_read_back(client: TestClient) -> None:
    created = client.post("/api/cases", json=body())
    assert created.status_code == 201
    case = client.get(f"/api/cases/{created.json()['case_id']}").json()
    assert case["status"] == "open" and case["version"] == 1


def test_a_missing_field_is_a_422_naming_it_and_nothing_is_written(client: TestClient) -> None:
    incomplete = body()
    del incomplete["landlord_name"]
    answer = client.post("/api/cases", json=incomplete)
    assert answer.status_code == 422
    assert ["body", "landlord_name"] in [e["loc"] for e in answer.json()["detail"]]
    assert client.app.state.services.app.recorder.max_notification_id() in (None, 0)  # type: ignore[attr-defined]


def test_a_wrong_check_digit_is_a_422_naming_the_number(client: TestClient) -> None:
    wrong = body()
    number = wrong["tenant"]["personal_identity_number"]
    wrong["tenant"]["personal_identity_number"] = number[:-1] + str((int(number[-1]) + 1) % 10)
    answer = client.post("/api/cases", json=wrong)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "tenant", "personal_identity_number"]


def test_an_unknown_signal_kind_is_a_422(client: TestClient) -> None:
    answer = client.post(
        "/api/cases", json=body(signal={"kind": "rumour", "received_on": "2026-11-20"})
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][:3] == ["body", "signal", "kind"]


def test_an_eviction_date_before_the_signal_is_a_422(client: TestClient) -> None:
    answer = client.post(
        "/api/cases",
        json=body(
            signal={
                "kind": "enforcement_application",
                "received_on": "2026-11-20",
                "eviction_date": "2026-11-01",
            }
        ),
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "signal", "eviction_date"]


def test_the_same_idempotency_key_registers_once(client: TestClient) -> None:
    first = client.post("/api/cases", json=body(), headers={"Idempotency-Key": "a"})
    again = client.post("/api/cases", json=body(), headers={"Idempotency-Key": "a"})
    assert first.json() == again.json() and again.status_code == 201


def test_an_unknown_case_is_a_404(client: TestClient) -> None:
    assert client.get("/api/cases/00000000-0000-0000-0000-000000000000").status_code == 404


def test_health_reports_nats_unavailable_but_the_service_answers(client: TestClient) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["nats"] == "unavailable"

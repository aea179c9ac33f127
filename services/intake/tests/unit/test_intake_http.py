"""The intake HTTP API, in memory (no database; NATS away)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

BODY: dict[str, Any] = {
    "name": "Tolvan Tolvansson",
    "personal_identity_number": "19121212-1212",
    "gender": "female",
    "target_groups": ["acute_homeless"],
    "situation": 1,
    "registered_by": "handläggare.anna",
    "is_test_data": True,
}


def test_registering_a_person_answers_201_with_the_id_and_position(client: TestClient) -> None:
    response = client.post("/api/persons", json=BODY)

    assert response.status_code == 201
    assert set(response.json()) == {"person_id", "position"}
    assert response.json()["position"] == 1


def test_a_registered_person_reads_back_without_the_number(client: TestClient) -> None:
    person_id = client.post("/api/persons", json=BODY).json()["person_id"]

    person = client.get(f"/api/persons/{person_id}").json()

    assert person["name"] == "Tolvan Tolvansson"
    assert (person["birth_year"], person["gender"], person["situation"]) == (1912, "female", 1)
    assert person["registered_on"] == "2025-03-14"
    assert "191212121212" not in str(person)


def test_a_retry_with_the_same_idempotency_key_registers_once(client: TestClient) -> None:
    headers = {"Idempotency-Key": "register-tolvan-1"}

    first = client.post("/api/persons", json=BODY, headers=headers)
    again = client.post("/api/persons", json=BODY, headers=headers)
    other = client.post("/api/persons", json=BODY)

    assert again.status_code == 201
    assert again.json() == first.json()
    assert other.json()["position"] == 2


def test_an_idempotency_key_reused_for_another_person_is_refused(client: TestClient) -> None:
    headers = {"Idempotency-Key": "register-1"}
    client.post("/api/persons", json=BODY, headers=headers)

    response = client.post("/api/persons", json=BODY | {"name": "Other"}, headers=headers)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "idempotency-key"]


def test_a_wrong_check_digit_is_422_naming_the_field(client: TestClient) -> None:
    body = BODY | {"personal_identity_number": "19121212-1213"}

    response = client.post("/api/persons", json=body)

    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "personal_identity_number"]
    assert "check digit" in error["msg"]


def test_a_situation_outside_one_to_four_is_422(client: TestClient) -> None:
    response = client.post("/api/persons", json=BODY | {"situation": 5})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "situation"]


def test_an_unknown_person_is_404(client: TestClient) -> None:
    response = client.get("/api/persons/00000000-0000-4000-8000-000000000000")

    assert response.status_code == 404

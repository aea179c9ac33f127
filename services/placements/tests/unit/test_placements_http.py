"""The placements HTTP API, in memory (no database; NATS away)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tak_placements.domain.apartment import person_subject_id
from tak_platform.identity import pseudonym

from .conftest import KEY

APARTMENT: dict[str, Any] = {
    "kind": "trial",
    "address": "Gatan 1, 1 tr",
    "added_by": "bosamordnare.bo",
}
TOLVAN: dict[str, Any] = {
    "personal_identity_number": "19121212-1212",
    "assigned_on": "2025-03-17",
    "assigned_by": "bosamordnare.bo",
}


def add(client: TestClient) -> str:
    response = client.post("/api/apartments", json=APARTMENT)
    assert response.status_code == 201
    apartment_id: str = response.json()["apartment_id"]
    return apartment_id


def test_an_added_apartment_reads_back_vacant(client: TestClient) -> None:
    apartment_id = add(client)

    apartment = client.get(f"/api/apartments/{apartment_id}").json()

    assert (apartment["kind"], apartment["address"]) == ("trial", "Gatan 1, 1 tr")
    assert apartment["occupied"] is False
    assert apartment["placement"] is None


def test_assigning_a_vacant_apartment_answers_201_and_occupies_it(client: TestClient) -> None:
    apartment_id = add(client)

    response = client.post(f"/api/apartments/{apartment_id}/assignments", json=TOLVAN)

    assert response.status_code == 201
    assert response.json()["position"] == 2
    apartment = client.get(f"/api/apartments/{apartment_id}").json()
    assert apartment["occupied"] is True
    assert apartment["placement"] == {
        "placement_id": response.json()["placement_id"],
        "assigned_on": "2025-03-17",
        "request_id": None,
    }
    assert "191212121212" not in str(apartment)


def test_assigning_an_occupied_apartment_is_409(client: TestClient) -> None:
    apartment_id = add(client)
    client.post(f"/api/apartments/{apartment_id}/assignments", json=TOLVAN)

    response = client.post(
        f"/api/apartments/{apartment_id}/assignments",
        json=TOLVAN | {"personal_identity_number": "19850709-9805"},
    )

    assert response.status_code == 409
    (error,) = response.json()["detail"]
    assert "occupied" in error["msg"]
    assert error["loc"] == ["path", "apartment_id"]
    assert error["fix"]


def test_a_retried_assignment_with_its_idempotency_key_is_not_a_conflict(
    client: TestClient,
) -> None:
    apartment_id = add(client)
    url, headers = f"/api/apartments/{apartment_id}/assignments", {"Idempotency-Key": "a-1"}

    first = client.post(url, json=TOLVAN, headers=headers)
    again = client.post(url, json=TOLVAN, headers=headers)

    assert again.status_code == 201
    assert again.json() == first.json()


def test_one_idempotency_key_for_two_apartments_is_refused(client: TestClient) -> None:
    headers = {"Idempotency-Key": "a-1"}
    first, second = add(client), add(client)
    client.post(f"/api/apartments/{first}/assignments", json=TOLVAN, headers=headers)

    response = client.post(f"/api/apartments/{second}/assignments", json=TOLVAN, headers=headers)

    assert response.status_code == 422
    assert client.get(f"/api/apartments/{second}").json()["occupied"] is False


def test_a_wrong_check_digit_is_422_naming_the_field(client: TestClient) -> None:
    apartment_id = add(client)

    response = client.post(
        f"/api/apartments/{apartment_id}/assignments",
        json=TOLVAN | {"personal_identity_number": "19121212-1213"},
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "personal_identity_number"]


def test_an_unknown_apartment_kind_is_422(client: TestClient) -> None:
    response = client.post("/api/apartments", json=APARTMENT | {"kind": "castle"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "kind"]


def test_an_unknown_apartment_is_404(client: TestClient) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"

    assert client.get(f"/api/apartments/{unknown}").status_code == 404
    assert client.post(f"/api/apartments/{unknown}/assignments", json=TOLVAN).status_code == 404


def test_assigning_an_apartment_to_a_weeded_person_is_410(client: TestClient) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    services.app.keystore.destroy(person_subject_id(pseudonym("191212121212", KEY)))

    response = client.post(f"/api/apartments/{add(client)}/assignments", json=TOLVAN)

    assert response.status_code == 410
    assert response.json()["detail"][0]["type"] == "SubjectWeededError"

"""Registering a person: a name PostgreSQL cannot store, a body over the limit and a malformed
number are refused, and the refusal never carries the number or the name sent."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

BODY: dict[str, Any] = {
    "name": "Tolvan Tolvansson",
    "personal_identity_number": "19121212-1212",
    "gender": "female",
    "registered_by": "handläggare.anna",
    "is_test_data": True,
}


def test_a_nul_in_the_name_is_refused_naming_the_field(client: TestClient) -> None:
    answer = client.post("/api/persons", json=BODY | {"name": "Tolvan\u0000Tolvansson"})

    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "name"]
    assert "Tolvan" not in answer.text


def test_a_body_over_a_megabyte_is_refused_413(client: TestClient) -> None:
    answer = client.post("/api/persons", json=BODY | {"name": "T" * 1_048_576})

    assert answer.status_code == 413
    assert answer.json()["detail"][0]["type"] == "body_too_large"


@pytest.mark.parametrize("number", ["19121212-1213", "19121312-1212", "1912-12-12-1212", "x" * 50])
def test_a_bad_number_is_refused_without_quoting_it(client: TestClient, number: str) -> None:
    answer = client.post("/api/persons", json=BODY | {"personal_identity_number": number})

    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "personal_identity_number"]
    assert "1912" not in answer.text and "Tolvan" not in answer.text and "xxx" not in answer.text
    assert client.post("/api/persons", json=BODY).json()["position"] == 1

"""A 422 says where and what was wrong, and how to fix it, and never carries the value sent:
not a personal identity number in the wrong shape, not a name that is too long, not a tag
that is a name."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tak_platform.fields import Day, Flag, Whole
from tak_platform.http import create_service_app
from tak_platform.identity import API_MAX_LENGTH, API_PATTERN
from tak_platform.runtime import Runtime
from tak_platform.settings import ServiceSettings

NUMBER = "19811218-987X"
NAME = "Alva Testsson-Provlund"


class ValidatingSettings(ServiceSettings):
    service = "validating"


class PreventedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["prevented"]


class MovedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["moved"]


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=10)
    personal_identity_number: str = Field(max_length=API_MAX_LENGTH, pattern=API_PATTERN)
    nickname: str | None = None
    adults: Whole = Field(default=1, ge=1, le=20)
    is_test_data: Flag = False
    on: Day | None = None
    closure: Annotated[PreventedIn | MovedIn, Field(discriminator="outcome")] | None = None

    @field_validator("nickname")
    @classmethod
    def _plain(cls, value: str | None) -> str | None:
        if value is not None and not value.isalpha():
            raise ValueError(f"{value!r} has more than letters")
        return value


def person(**changes: Any) -> dict[str, Any]:
    return {"name": "Alva", "personal_identity_number": "19811218-9876"} | changes


@pytest.fixture
def client() -> TestClient:
    settings = ValidatingSettings(pseudonym_key="k" * 32)
    api: FastAPI = create_service_app(Runtime(settings), title="validating", description="test")

    @api.post("/api/persons/{person_id}")
    def register(person_id: UUID, body: PersonIn) -> dict[str, str]:
        return {"person_id": str(person_id)}

    return TestClient(api)


URL = "/api/persons/3fa85f64-5717-4562-b3fc-2c963f66afa6"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (person(personal_identity_number=NUMBER), NUMBER),
        (person(name=NAME), NAME),
        (person(name=NAME * 3), NAME),
        (person(nickname=NAME), NAME),
        (person(closure={"outcome": NAME}), NAME),
        (person(tenant_name=NAME), NAME),
        (person(adults=NAME), NAME),
        (person(on=NAME), NAME),
        (person(personal_identity_number=["19811218-9876", NUMBER]), NUMBER),
    ],
)
def test_a_422_never_carries_the_value_sent(
    client: TestClient, body: dict[str, Any], needle: str
) -> None:
    answer = client.post(URL, json=body)

    assert answer.status_code == 422
    assert needle not in answer.text
    for detail in answer.json()["detail"]:
        assert set(detail) <= {"loc", "msg", "type", "fix"}
        assert detail["loc"][0] == "body" and detail["msg"]


def test_a_uuid_in_the_path_that_is_a_name_is_not_quoted(client: TestClient) -> None:
    answer = client.post(f"/api/persons/{NAME.replace(' ', '')}", json=person())

    assert answer.status_code == 422
    (detail,) = answer.json()["detail"]
    assert detail["loc"] == ["path", "person_id"] and "Alva" not in answer.text
    assert detail["fix"].startswith("send the id as a UUID")


@pytest.mark.parametrize(
    ("body", "loc", "kind", "fix"),
    [
        (person(name="A" * 11), ["body", "name"], "string_too_long", "at most 10 characters"),
        ({"name": "Alva"}, ["body", "personal_identity_number"], "missing", "add it"),
        (person(adults=21), ["body", "adults"], "less_than_equal", "at most 20"),
        (person(adults="2"), ["body", "adults"], "int_type", "a whole number"),
        (person(is_test_data=0), ["body", "is_test_data"], "bool_type", "true or false"),
        (person(on=1_700_000_000), ["body", "on"], "date_type", "YYYY-MM-DD"),
        (person(on="0202-11-20"), ["body", "on"], "date_out_of_range", "from 1900-01-01 to"),
        (person(closure={"outcome": "x"}), ["body", "closure"], "union_tag_invalid", "outcome"),
        (person(shoe_size=42), ["body", "shoe_size"], "extra_forbidden", "leave it out"),
    ],
)
def test_each_error_names_the_field_what_was_wrong_and_the_fix(
    client: TestClient, body: dict[str, Any], loc: list[str], kind: str, fix: str
) -> None:
    answer = client.post(URL, json=body)

    assert answer.status_code == 422
    (detail,) = answer.json()["detail"]
    assert (detail["loc"], detail["type"]) == (loc, kind)
    assert fix in detail["fix"]


def test_a_message_that_would_quote_the_value_says_only_that_it_is_not_valid(
    client: TestClient,
) -> None:
    answer = client.post(URL, json=person(nickname="Alva 2"))

    (detail,) = answer.json()["detail"]
    assert detail["loc"] == ["body", "nickname"]
    assert detail["msg"] == "the value is not valid here"

"""Every status a route can answer is in its OpenAPI, with the problem body as its schema: 413
and 422 everywhere, 404 and 410 where a record is read by id, 409 where a write can conflict,
the work list's 503 while it catches up. schemathesis (test_openapi_fuzz.py) checks the
answers against this; here the document itself is pinned."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from tak_evictions.bootstrap import create_app as evictions_app
from tak_evictions.settings import EvictionsSettings
from tak_intake.bootstrap import create_app as intake_app
from tak_intake.settings import IntakeSettings
from tak_placements.bootstrap import create_app as placements_app
from tak_placements.settings import PlacementsSettings
from tak_reporting.bootstrap import create_app as reporting_app
from tak_reporting.settings import ReportingSettings

KEY = "k" * 32
STEPS = (
    "contact-attempts",
    "counselling-referrals",
    "counselling-outcomes",
    "repayment-plans",
    "landlord-contacts",
    "enforcement-decisions",
    "notes",
    "closure",
    "housing-alternative",
)
EXPECTED: dict[str, dict[tuple[str, str], set[int]]] = {
    "intake": {
        ("post", "/api/persons"): {201},
        ("get", "/api/persons/{person_id}"): {200, 404, 410},
    },
    "placements": {
        ("post", "/api/apartments"): {201},
        ("post", "/api/apartments/{apartment_id}/assignments"): {201, 404, 409, 410},
        ("get", "/api/apartments/{apartment_id}"): {200, 404, 410},
    },
    "evictions": {
        ("post", "/api/cases"): {200, 201, 409},
        ("get", "/api/cases/{case_id}"): {200, 404, 410},
        ("get", "/api/work-list"): {200, 503},
    }
    | {("post", f"/api/cases/{{case_id}}/{step}"): {201, 404, 409, 410} for step in STEPS},
    "reporting": {
        ("get", "/api/event-counts"): {200},
        ("get", "/api/dead-letters"): {200},
        ("get", "/api/audit/verify"): {200},
    },
}
APPS: dict[str, Callable[[], FastAPI]] = {
    "intake": lambda: intake_app(IntakeSettings(pseudonym_key=KEY)),
    "placements": lambda: placements_app(PlacementsSettings(pseudonym_key=KEY)),
    "evictions": lambda: evictions_app(EvictionsSettings(pseudonym_key=KEY)),
    "reporting": lambda: reporting_app(
        ReportingSettings(pseudonym_key=KEY, database_url="postgresql://127.0.0.1:1/unused")
    ),
}
"""Each service's app as built, never started: reporting creates its database only at start."""


def operations(api: FastAPI) -> dict[tuple[str, str], dict[str, Any]]:
    paths = api.openapi()["paths"]
    return {
        (method, path): op
        for path, ops in paths.items()
        if path.startswith("/api/")
        for method, op in ops.items()
    }


@pytest.mark.parametrize("service", sorted(EXPECTED))
def test_every_route_documents_each_status_it_can_answer(service: str) -> None:
    api = APPS[service]()
    found = operations(api)

    assert set(found) == set(EXPECTED[service])
    for key, statuses in EXPECTED[service].items():
        documented = {int(s) for s in found[key]["responses"]}
        assert documented == statuses | {413, 422}, key


@pytest.mark.parametrize("service", sorted(EXPECTED))
def test_every_refusal_is_documented_as_a_problem_body(service: str) -> None:
    api = APPS[service]()
    schema = api.openapi()

    for key, op in operations(api).items():
        for status, response in op["responses"].items():
            if int(status) >= 400:
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Problem", (key, status)
    detail = schema["components"]["schemas"]["ProblemDetail"]
    assert set(detail["required"]) == {"loc", "msg", "type"}
    assert "input" not in detail["properties"] and "fix" in detail["properties"]


@pytest.mark.parametrize("service", sorted(EXPECTED))
def test_every_answer_has_its_schema(service: str) -> None:
    """Every route returns a pydantic model (or a list of them): the OpenAPI names it, and
    FastAPI checks each answer against it."""
    for key, op in operations(APPS[service]()).items():
        for status, response in op["responses"].items():
            if int(status) < 300:
                schema = response["content"]["application/json"]["schema"]
                model = schema.get("items", {}) if schema.get("type") == "array" else schema
                assert model.get("$ref", "").startswith("#/components/schemas/"), (key, status)

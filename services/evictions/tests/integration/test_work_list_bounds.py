"""The work list's paging on PostgreSQL: the last page allowed answers (no offset overflow), one
past it and a position past PostgreSQL's bigint are refused with 422, and a text PostgreSQL
cannot hold is refused before it reaches the query."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tak_platform.bounds import MAX_PAGE, MAX_POSITION

pytestmark = pytest.mark.integration


def test_the_last_page_allowed_answers_empty(client: TestClient) -> None:
    answer = client.get("/api/work-list", params={"page": MAX_PAGE, "page_size": 200})

    assert answer.status_code == 200, answer.text
    assert answer.json()["items"] == [] and answer.json()["page"] == MAX_PAGE


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"page": MAX_PAGE + 1}, ["query", "page"]),
        ({"page": 10**30}, ["query", "page"]),
        ({"page_size": 201}, ["query", "page_size"]),
        ({"after": MAX_POSITION + 1}, ["query", "after"]),
        ({"coordinator": "bo\u00001"}, ["query", "coordinator"]),
    ],
)
def test_a_page_or_position_out_of_range_is_refused_422(
    client: TestClient, params: dict[str, object], loc: list[str]
) -> None:
    answer = client.get("/api/work-list", params=params)

    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == loc

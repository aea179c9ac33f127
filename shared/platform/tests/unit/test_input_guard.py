"""What every service refuses before a route runs: a body over the limit (413, chunked or not),
a body that is not JSON (422, not 400), and the NUL character PostgreSQL cannot store (422
naming the field). The app is a service app as every service builds it; the route is the
test's own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from starlette.types import Message

from tak_platform.guard import InputGuard
from tak_platform.http import create_service_app
from tak_platform.runtime import Runtime
from tak_platform.settings import ServiceSettings

LIMIT = 2048


class GuardedSettings(ServiceSettings):
    service = "guarded"


class TenantIn(BaseModel):
    name: str = Field(max_length=5000)


class HouseholdIn(BaseModel):
    tenant: TenantIn
    notes: list[str] = Field(default_factory=list, max_length=50)


class RegistrationIn(BaseModel):
    household: HouseholdIn
    extra: dict[str, str] = Field(default_factory=dict)


def guarded_app(limit: int = LIMIT) -> tuple[FastAPI, list[Any]]:
    settings = GuardedSettings(pseudonym_key="k" * 32, max_body_bytes=limit)
    api = create_service_app(Runtime(settings), title="guarded", description="a test app")
    reached: list[Any] = []

    @api.post("/api/registrations/{coordinator}")
    def register(coordinator: str, body: RegistrationIn, status: str = "open") -> dict[str, str]:
        reached.append(body)
        return {"coordinator": coordinator, "status": status}

    return api, reached


@pytest.fixture
def app() -> tuple[FastAPI, list[Any]]:
    return guarded_app()


def registration(name: str = "Alva Testsson", **extra: Any) -> dict[str, Any]:
    return {"household": {"tenant": {"name": name}, "notes": ["ok"]}} | extra


def only_detail(answer: Any) -> dict[str, Any]:
    (detail,) = answer.json()["detail"]
    assert set(detail) <= {"loc", "msg", "type", "fix"}
    return dict(detail)


def test_a_body_over_the_limit_is_refused_413_before_the_route_runs(
    app: tuple[FastAPI, list[Any]],
) -> None:
    api, reached = app
    answer = TestClient(api).post("/api/registrations/bo1", json=registration("A" * LIMIT))

    assert answer.status_code == 413
    detail = only_detail(answer)
    assert (detail["loc"], detail["type"]) == (["body"], "body_too_large")
    assert str(LIMIT) in detail["msg"] and "TAK_MAX_BODY_BYTES" in detail["fix"]
    assert reached == []


def test_a_chunked_body_without_a_length_is_stopped_at_the_limit(
    app: tuple[FastAPI, list[Any]],
) -> None:
    api, reached = app
    sent: list[int] = []

    def chunks() -> Iterator[bytes]:
        yield b'{"household": {"tenant": {"name": "'
        for _ in range(100):
            sent.append(512)
            yield b"A" * 512
        yield b'"}}}'

    answer = TestClient(api).post(
        "/api/registrations/bo1", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert answer.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in answer.request.headers
    assert answer.status_code == 413 and only_detail(answer)["type"] == "body_too_large"
    assert reached == []


def test_a_body_at_the_limit_is_read_whole(app: tuple[FastAPI, list[Any]]) -> None:
    api, reached = app
    body = b'{"household": {"tenant": {"name": "%s"}}}'
    padded = body % (b"A" * (LIMIT - len(body) + 2))
    assert len(padded) == LIMIT

    answer = TestClient(api).post(
        "/api/registrations/bo1", content=padded, headers={"Content-Type": "application/json"}
    )

    assert answer.status_code == 200, answer.text
    assert len(reached[0].household.tenant.name) == LIMIT - len(body) + 2


def test_the_limit_is_tak_max_body_bytes_and_one_megabyte_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TAK_PSEUDONYM_KEY", "k" * 32)
    assert GuardedSettings().max_body_bytes == 1_048_576
    monkeypatch.setenv("TAK_MAX_BODY_BYTES", "4096")
    assert GuardedSettings().max_body_bytes == 4096


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (registration("Alva\u0000Testsson"), ["body", "household", "tenant", "name"]),
        (
            {"household": {"tenant": {"name": "Alva"}, "notes": ["ok", "bad\u0000"]}},
            ["body", "household", "notes", 1],
        ),
        (registration(extra={"k\u0000ey": "v"}), ["body", "extra", "key"]),
    ],
)
def test_a_nul_anywhere_in_a_json_body_is_refused_naming_the_field(
    app: tuple[FastAPI, list[Any]], body: dict[str, Any], loc: list[str | int]
) -> None:
    api, reached = app
    answer = TestClient(api).post("/api/registrations/bo1", json=body)

    assert answer.status_code == 422
    detail = only_detail(answer)
    assert (detail["loc"], detail["type"]) == (loc, "nul_character")
    assert "U+0000" in detail["msg"] and "\\u0000" in detail["fix"]
    assert "Alva" not in answer.text
    assert reached == []


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        ("/api/registrations/bo1?status=op%00en", ["query", "status"]),
        ("/api/registrations/bo%001", ["path"]),
    ],
)
def test_a_nul_in_a_query_value_or_the_path_is_refused(
    app: tuple[FastAPI, list[Any]], url: str, loc: list[str]
) -> None:
    api, reached = app
    answer = TestClient(api).post(url, json=registration())

    assert answer.status_code == 422
    assert only_detail(answer)["loc"] == loc
    assert reached == []


def test_a_nul_in_a_header_is_refused() -> None:
    """HTTP servers refuse these already; the guard holds behind any that does not."""
    api, reached = guarded_app()
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": json.dumps(registration()).encode()}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/registrations/bo1",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"idempotency-key", b"k\x00ey")],
    }
    asyncio.run(InputGuard(api, LIMIT)(scope, receive, send))

    assert sent[0]["status"] == 422
    assert b'"loc":["header","idempotency-key"]' in sent[1]["body"]
    assert reached == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"household": \xff\xfe}', "not UTF-8"),
        (b'{"household": {"tenant": {"name": "Alva"}', "line 1"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_a_body_that_is_not_json_is_refused_422_and_never_quoted(
    content: bytes, reason: str
) -> None:
    api, reached = guarded_app(limit=1_000_000)
    answer = TestClient(api).post(
        "/api/registrations/bo1", content=content, headers={"Content-Type": "application/json"}
    )

    assert answer.status_code == 422
    detail = only_detail(answer)
    assert (detail["loc"], detail["type"]) == (["body"], "json_invalid")
    assert reason in detail["msg"] and "Alva" not in answer.text
    assert reached == []


def test_a_body_that_is_not_json_by_its_content_type_is_left_to_the_route(
    app: tuple[FastAPI, list[Any]],
) -> None:
    api, reached = app
    answer = TestClient(api).post(
        "/api/registrations/bo1", content=b"Alva\x00", headers={"Content-Type": "text/plain"}
    )

    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body"]
    assert "Alva" not in answer.text
    assert reached == []

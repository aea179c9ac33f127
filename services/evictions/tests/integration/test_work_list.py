"""The coordinator's work list on real PostgreSQL: order, filters, pages, weeding, HTTP."""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from fastapi.testclient import TestClient

from tak_evictions.application import EvictionsApp
from tak_evictions.commands import (
    AttemptContact,
    CaseStep,
    CloseAsPrevented,
    RecordExecution,
    RegisterThreat,
)
from tak_evictions.domain.deadlines import swedish_holidays
from tak_evictions.domain.values import Child, ContactAttempt, Household, Signal, Tenant
from tak_evictions.projections.work_list import (
    NAME,
    WorkListProjection,
    create_schema,
    read_page,
)
from tak_platform.follower import Follower
from tak_platform.identity import synthetic_number

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 23)  # a Monday
RNG = random.Random(7)
BIRTH_YEARS = itertools.count(1940)


def on(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)


@pytest.fixture
def app(evictions: EvictionsApp) -> EvictionsApp:
    return evictions


@pytest.fixture
async def follower(app: EvictionsApp) -> AsyncIterator[Follower]:
    assert app.database_url is not None
    pool = await asyncpg.create_pool(app.database_url, min_size=1, max_size=3)
    async with pool.acquire() as conn:
        await create_schema(conn)
    projection = WorkListProjection(app, 3, swedish_holidays())
    follower = Follower(NAME, app, pool, projection.handle)
    await follower.prepare()
    yield follower
    await pool.close()


def register(
    app: EvictionsApp,
    registered_on: date,
    coordinator: str,
    eviction_date: date | None = None,
    children: int = 0,
    name: str | None = None,
) -> UUID:
    number = synthetic_number(RNG, next(BIRTH_YEARS))
    household = Household(
        Tenant(name or f"Tenant of {coordinator} {registered_on}", number, None),
        "Provgatan 1",
        "Demo AB",
        None,
        1,
        tuple(Child(2015, True) for _ in range(children)),
    )
    signal = Signal("rent_arrears", registered_on, eviction_date=eviction_date)
    threat = RegisterThreat(household, signal, coordinator, coordinator, on(registered_on), True)
    return app.register_threat(threat).case.id


def contact(app: EvictionsApp, case_id: UUID, day: date, reached: bool) -> None:
    attempt = ContactAttempt("phone", day, reached)
    app.attempt_contact(AttemptContact(CaseStep(case_id, "bo", on(day)), attempt))


def scenario(app: EvictionsApp) -> dict[str, UUID]:
    """Seven cases, one reason each to stand where they stand on Monday 23 November 2026."""
    cases = {
        "alert": register(app, date(2026, 11, 2), "bo1", children=1),
        "overdue": register(app, date(2026, 11, 2), "bo1"),
        "urgent": register(app, date(2026, 11, 20), "bo2", date(2026, 12, 1)),
        "in_ten_days": register(app, date(2026, 11, 10), "bo2", date(2026, 12, 3)),
        "in_27_days": register(app, date(2026, 11, 16), "bo1", date(2026, 12, 20)),
        "prevented": register(app, date(2026, 11, 18), "bo1"),
        "no_date": register(app, date(2026, 11, 19), "bo1"),
    }
    execute(app, cases["alert"], date(2026, 11, 20))
    contact(app, cases["in_ten_days"], date(2026, 11, 11), reached=True)
    contact(app, cases["in_27_days"], date(2026, 11, 17), reached=True)
    contact(app, cases["no_date"], date(2026, 11, 20), reached=False)
    close(app, cases["prevented"], date(2026, 11, 20))
    return cases


def execute(app: EvictionsApp, case_id: UUID, day: date) -> None:
    app.close_case(RecordExecution(CaseStep(case_id, "bo", on(day)), day, 1, 0, None))


def close(app: EvictionsApp, case_id: UUID, day: date) -> None:
    app.close_case(CloseAsPrevented(CaseStep(case_id, "bo", on(day)), "debt_paid", day))


async def listed(follower: Follower, **query: Any) -> tuple[list[dict[str, Any]], int]:
    async with follower.pool.acquire() as conn:
        return await read_page(conn, today=TODAY, **query)


def names(rows: list[dict[str, Any]], cases: dict[str, UUID]) -> list[str]:
    by_id = {v: k for k, v in cases.items()}
    return [by_id[r["case_id"]] for r in rows]


async def test_open_cases_come_alert_first_then_overdue_then_urgent_then_by_eviction_date(
    app: EvictionsApp, follower: Follower
) -> None:
    cases = scenario(app)
    await follower.catch_up()
    rows, total = await listed(follower)
    assert names(rows, cases) == [
        "alert",
        "overdue",
        "urgent",
        "in_ten_days",
        "in_27_days",
        "no_date",
    ]
    assert total == 6
    why = {
        n: (r["alert"], r["overdue"], r["urgent"])
        for n, r in zip(names(rows, cases), rows, strict=True)
    }
    assert why["alert"] == (True, False, False) and why["overdue"] == (False, True, False)
    assert why["urgent"] == (False, False, True) and why["in_ten_days"] == (False, False, False)
    assert [r["days_to_eviction"] for r in rows] == [None, None, 8, 10, 27, None]
    assert rows[1]["first_contact_due"] == date(2026, 11, 5)


async def test_urgent_is_an_open_case_evicted_within_fourteen_days_with_nobody_reached(
    app: EvictionsApp, follower: Follower
) -> None:
    cases = {
        "in_14_days": register(app, date(2026, 11, 20), "bo1", TODAY + timedelta(days=14)),
        "in_15_days": register(app, date(2026, 11, 20), "bo1", TODAY + timedelta(days=15)),
        "reached": register(app, date(2026, 11, 20), "bo1", TODAY + timedelta(days=3)),
        "closed": register(app, date(2026, 11, 20), "bo1", TODAY + timedelta(days=3)),
    }
    contact(app, cases["reached"], date(2026, 11, 20), reached=True)
    close(app, cases["closed"], date(2026, 11, 20))
    await follower.catch_up()
    rows, _ = await listed(follower, status="all")
    urgent = {n: r["urgent"] for n, r in zip(names(rows, cases), rows, strict=True)}
    assert urgent == {"in_14_days": True, "in_15_days": False, "reached": False, "closed": False}


async def test_the_list_filters_by_coordinator_and_status(
    app: EvictionsApp, follower: Follower
) -> None:
    cases = scenario(app)
    await follower.catch_up()
    bo1, _ = await listed(follower, coordinator="bo1")
    closed, _ = await listed(follower, status="closed")
    everything, total = await listed(follower, status="all")
    assert names(bo1, cases) == ["alert", "overdue", "in_27_days", "no_date"]
    assert names(closed, cases) == ["alert", "prevented"]
    assert total == 7 and names(everything, cases)[-2:] == ["prevented", "no_date"]
    assert await listed(follower, coordinator="nobody") == ([], 0)


async def test_the_list_comes_in_pages_with_the_total(
    app: EvictionsApp, follower: Follower
) -> None:
    cases = scenario(app)
    await follower.catch_up()
    second, total = await listed(follower, page=2, page_size=4)
    beyond, still = await listed(follower, page=3, page_size=4)
    assert names(second, cases) == ["in_27_days", "no_date"] and total == 6
    assert beyond == [] and still == 6


async def test_a_weeded_case_leaves_the_list_and_a_rebuild_brings_it_not_back(
    app: EvictionsApp, follower: Follower
) -> None:
    kept = register(app, date(2026, 11, 2), "bo1")
    weeded = register(app, date(2026, 11, 3), "bo1")
    await follower.catch_up()
    app.weed(subject_id=weeded, aggregate_ids=[weeded], reason="gallring: five years passed")
    await follower.catch_up()
    assert [r["case_id"] for r in (await listed(follower))[0]] == [kept]
    await follower.pool.execute(
        "TRUNCATE work_list; UPDATE projection_position SET notification_id = 0"
    )
    await follower.prepare()
    await follower.catch_up()
    assert [r["case_id"] for r in (await listed(follower))[0]] == [kept]


async def test_a_reopened_case_is_due_again_from_its_new_registration(
    app: EvictionsApp, follower: Follower
) -> None:
    case_id = register(app, date(2026, 11, 2), "bo1")
    close(app, case_id, date(2026, 11, 4))
    await follower.catch_up()
    assert (await listed(follower))[1] == 0
    again = app.get_case(case_id)
    again.add_signal(Signal("disturbance", TODAY), again.household, recorded_by="bo", now=on(TODAY))
    app.save(again)
    await follower.catch_up()
    (row,), _ = await listed(follower)
    assert row["first_contact_due"] == date(2026, 11, 26) and not row["overdue"]
    assert row["signal_kinds"] == ["rent_arrears", "disturbance"]


async def test_a_tenant_name_postgresql_cannot_hold_is_parked_and_later_cases_still_appear(
    app: EvictionsApp, follower: Follower
) -> None:
    before = register(app, date(2026, 11, 2), "bo1")
    register(app, date(2026, 11, 3), "bo1", name="Nul\x00Tenant")
    after = register(app, date(2026, 11, 4), "bo1")
    await follower.catch_up()
    rows, total = await listed(follower)
    assert [r["case_id"] for r in rows] == [before, after] and total == 2
    (parked,) = await follower.parked()
    assert parked.topic == "tak.evictions:EvictionCase.Registered"
    assert parked.reason.startswith("CharacterNotInRepertoireError")
    assert follower.status.parked == 1 and follower.status.lag == 0
    assert follower.status.position == app.recorder.max_notification_id()


def threat(number: str, eviction_date: str | None = None) -> dict[str, Any]:
    return {
        "tenant": {"name": "Nils Provlund", "personal_identity_number": number},
        "address": "Testbacken 3",
        "landlord_name": "Demo AB",
        "adults": 1,
        "signal": {
            "kind": "enforcement_application",
            "received_on": "2026-11-20",
            "eviction_date": eviction_date,
        },
        "registered_by": "bo1",
        "is_test_data": True,
    }


def test_the_work_list_over_http_includes_the_write_it_was_asked_to_wait_for(
    client: TestClient,
) -> None:
    first = client.post("/api/cases", json=threat(synthetic_number(RNG, next(BIRTH_YEARS))))
    second = client.post(
        "/api/cases", json=threat(synthetic_number(RNG, next(BIRTH_YEARS)), "2026-11-30")
    )
    assert first.status_code == second.status_code == 201
    position = second.json()["position"]
    answer = client.get("/api/work-list", params={"after": position, "page_size": 1})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["page"], body["page_size"], body["total"]) == (1, 1, 2)
    assert body["position"] >= position
    (item,) = body["items"]
    assert item["case_id"] == second.json()["case_id"]
    assert item["urgent"] and item["days_to_eviction"] == 7
    assert item["tenant_name"] == "Nils Provlund"
    assert client.get("/health").json()["work_list"]["position"] >= position


def test_waiting_for_a_write_that_never_comes_answers_503(client: TestClient) -> None:
    answer = client.get("/api/work-list", params={"after": 10_000})
    assert answer.status_code == 503
    assert answer.json()["detail"][0]["loc"] == ["query", "after"]


def test_a_parked_case_shows_on_health_without_the_name_and_the_list_goes_on(
    client: TestClient,
) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    nul = register(services.app, TODAY, "bo1", name="Nul\x00Tenant")
    later = client.post("/api/cases", json=threat(synthetic_number(RNG, next(BIRTH_YEARS))))
    answer = client.get("/api/work-list", params={"after": later.json()["position"]})
    assert answer.status_code == 200, answer.text
    assert [i["case_id"] for i in answer.json()["items"]] == [later.json()["case_id"]]
    health = client.get("/health")
    entry = health.json()["work_list"]
    assert entry["parked"] == 1 and entry["failures"] == 0 and entry["lag"] == 0
    assert "CharacterNotInRepertoireError" in entry["last_parked"]
    assert "Tenant" not in health.text and str(nul) not in health.text

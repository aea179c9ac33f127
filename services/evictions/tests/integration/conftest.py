"""Given an executed eviction on real PostgreSQL, and the emergency-request index beside it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest
from fastapi.testclient import TestClient

from tak_evictions.application import EvictionsApp
from tak_evictions.bootstrap import create_app
from tak_evictions.commands import CaseStep, RecordExecution, RegisterThreat
from tak_evictions.domain.values import Child, Household, Signal, Tenant
from tak_evictions.projections.emergency_requests import (
    NAME,
    EmergencyRequestsProjection,
    EmergencyRequestsReadModel,
    create_schema,
)
from tak_evictions.settings import EvictionsSettings
from tak_platform.database import drop_database
from tak_platform.follower import Follower

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
API_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
NUMBER = "198112189876"


def later(days: int) -> datetime:
    return MONDAY + timedelta(days=days)


def evicted_family(app: EvictionsApp, number: str = NUMBER) -> tuple[UUID, UUID]:
    """Given a family with two children evicted without a housing alternative: the alert is
    open and an emergency apartment is requested. Returns the case and the request."""
    household = Household(
        Tenant("Alva Testsson", number, None),
        "Provgatan 7",
        "Demo Bostäder AB",
        None,
        2,
        (Child(2015, True), Child(2017, True)),
    )
    signal = Signal("rent_arrears", MONDAY.date() - timedelta(days=3))
    threat = RegisterThreat(household, signal, "bo1", "bo1", MONDAY, True)
    case_id = app.register_threat(threat).case.id
    step = CaseStep(case_id, "bo1", later(20))
    done = app.close_case(RecordExecution(step, later(20).date(), 2, 0, None))
    assert done.case.alert_open and done.case.emergency_request_id is not None
    return case_id, done.case.emergency_request_id


@pytest.fixture
def evictions(make_database: Callable[[str], str]) -> Iterator[EvictionsApp]:
    """The service's application on a database of the test's own."""
    app = EvictionsApp.for_database(make_database("evictions"), pseudonym_key="k" * 32)
    yield app
    app.close()


@pytest.fixture
async def requests_index(evictions: EvictionsApp) -> AsyncIterator[EmergencyRequestsReadModel]:
    """The emergency-request index, its follower prepared but not running."""
    assert evictions.database_url is not None
    pool = await asyncpg.create_pool(evictions.database_url, min_size=1, max_size=3)
    async with pool.acquire() as conn:
        await create_schema(conn)
    follower = Follower(NAME, evictions, pool, EmergencyRequestsProjection(evictions).handle)
    await follower.prepare()
    yield EmergencyRequestsReadModel(pool, follower)
    await pool.close()


@pytest.fixture
def client(postgres_url: str) -> Iterator[TestClient]:
    """The service's HTTP API on a database of its own, NATS away, the clock at ``API_NOW``."""
    name = f"evictions_{uuid4().hex[:8]}"
    settings = EvictionsSettings(
        database_url=postgres_url,
        database_name=name,
        pseudonym_key="k" * 32,
        nats_url="nats://127.0.0.1:1",
    )
    try:
        with TestClient(create_app(settings, now=lambda: API_NOW)) as client:
            yield client
    finally:
        drop_database(postgres_url, name)

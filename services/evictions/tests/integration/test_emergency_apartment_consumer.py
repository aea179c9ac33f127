"""The emergency-apartment consumer on TestNatsBroker, with the service's store and its
emergency-request index on real PostgreSQL: placements' assignment for a case's request
resolves its child alert, even when the case was saved a moment before; anything else changes
nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from faststream.nats import NatsBroker, TestNatsBroker
from faststream.nats.subscriber.usecases.stream_pull_subscriber import PullStreamSubscriber
from nats.js.api import AckPolicy

from tak_contracts import wrap
from tak_contracts.events.placements import ApartmentAssigned, ApartmentKind
from tak_evictions.application import EvictionsApp
from tak_evictions.domain.eviction_case import EvictionCase
from tak_evictions.features.emergency_apartment_assigned.consumer import (
    ACK_WAIT_SECONDS,
    AssignmentRecorder,
    build_router,
)
from tak_evictions.projections.emergency_requests import EmergencyRequestsReadModel
from tak_evictions.settings import EvictionsSettings
from tak_platform.nats import service_broker

from .conftest import evicted_family, later

pytestmark = pytest.mark.integration
DISTRICT = "norrmalm"


@pytest.fixture
def app(evictions: EvictionsApp) -> EvictionsApp:
    return evictions


@pytest.fixture
async def broker(
    app: EvictionsApp, requests_index: EmergencyRequestsReadModel
) -> AsyncIterator[NatsBroker]:
    """The consumer on a broker as the service's runtime makes it; the index's follower runs
    beside it."""
    settings = EvictionsSettings(pseudonym_key="k" * 32, district=DISTRICT, stream_name="TAK")
    recorder = AssignmentRecorder(app, requests_index)
    stop = asyncio.Event()
    following = asyncio.create_task(requests_index.follower.run(stop))
    try:
        router = build_router(settings, lambda: recorder, lambda: later(30))
        served = service_broker(settings.nats_url, "tak-test-evictions", [router])
        async with TestNatsBroker(served) as br:
            yield br
    finally:
        stop.set()
        await following


async def assign(broker: NatsBroker, request_id: UUID | None, body: bytes | None = None) -> None:
    event = ApartmentAssigned(
        apartment_id=uuid4(),
        placement_id=uuid4(),
        person_pseudonym="p" * 64,
        kind=ApartmentKind.EMERGENCY,
        assigned_on=date(2026, 11, 25),
        request_id=request_id,
        is_test_data=True,
    )
    envelope = wrap(
        event,
        id=uuid4(),
        district=DISTRICT,
        subject=str(event.apartment_id),
        time=datetime(2026, 11, 25, 12, tzinfo=UTC),
        sequence=1,
    )
    await broker.publish(
        envelope.data if body is None else body,
        envelope.nats_subject(),
        headers=envelope.headers(),
    )


async def test_an_assignment_for_the_cases_request_resolves_the_child_alert(
    app: EvictionsApp, broker: NatsBroker
) -> None:
    case_id, request_id = evicted_family(app)
    await assign(broker, request_id)
    case = app.get_case(case_id)
    assert not case.alert_open and case.alternative is not None
    last = app.history(case)[-1]
    assert isinstance(last, EvictionCase.EmergencyApartmentAssigned)
    assert last.assigned_on == date(2026, 11, 25) and last.timestamp == later(30)


async def test_the_same_assignment_again_changes_nothing(
    app: EvictionsApp, broker: NatsBroker
) -> None:
    case_id, request_id = evicted_family(app)
    await assign(broker, request_id)
    version = app.get_case(case_id).version
    await assign(broker, request_id)
    assert app.get_case(case_id).version == version


@pytest.mark.parametrize("request_id", [None, uuid4()], ids=["no_request", "unknown_request"])
async def test_an_assignment_that_answers_no_request_of_ours_changes_nothing(
    app: EvictionsApp,
    broker: NatsBroker,
    request_id: UUID | None,
) -> None:
    case_id, _ = evicted_family(app)
    head = app.recorder.max_notification_id()
    await assign(broker, request_id)
    assert app.recorder.max_notification_id() == head
    assert app.get_case(case_id).alert_open


async def test_a_malformed_message_is_dropped_and_the_next_one_is_still_recorded(
    app: EvictionsApp, broker: NatsBroker, caplog: pytest.LogCaptureFixture
) -> None:
    case_id, request_id = evicted_family(app)
    await assign(broker, request_id, body=b"{not json")
    await broker.publish(b"{}", f"tak.{DISTRICT}.placements.apartment_assigned.v1")
    assert app.get_case(case_id).alert_open
    assert sum("malformed" in r.message for r in caplog.records) == 2
    await assign(broker, request_id)
    assert not app.get_case(case_id).alert_open


async def test_the_consumer_is_a_durable_pull_consumer_on_the_one_subject(
    broker: NatsBroker,
) -> None:
    (subscriber,) = broker.subscribers
    assert isinstance(subscriber, PullStreamSubscriber)
    assert subscriber.subject.broker_address == f"tak.{DISTRICT}.placements.apartment_assigned.v1"
    assert subscriber.extra_options["durable"] == f"evictions-{DISTRICT}"
    assert subscriber.stream.name == "TAK" and not subscriber.stream.declare
    config = subscriber.config
    assert config.durable_name == f"evictions-{DISTRICT}"
    assert config.filter_subject == f"tak.{DISTRICT}.placements.apartment_assigned.v1"
    assert config.ack_policy is AckPolicy.EXPLICIT and config.ack_wait == ACK_WAIT_SECONDS

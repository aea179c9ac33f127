"""Reporting's API on a real stream and database: every answer goes through its model, and the
audit check answers just what ``tak audit verify`` reads (``valid``, ``problems``, the counts)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from nats.aio.client import Client

from tak_reporting.bootstrap import create_app
from tak_reporting.settings import ReportingSettings

from .conftest import publish_events

pytestmark = pytest.mark.integration
EVENTS = 12


def read_all(client: TestClient, events: int, timeout: float = 60.0) -> tuple[Any, Any]:
    """Event counts and dead letters, once reporting has read the events and the dead letter."""
    deadline = time.monotonic() + timeout
    while True:
        counts, dead = (
            client.get("/api/event-counts").json(),
            client.get("/api/dead-letters").json(),
        )
        if sum(c["events"] for c in counts) >= events and dead:
            return counts, dead
        assert time.monotonic() < deadline, f"reporting holds {counts} and {dead}"
        time.sleep(0.1)


async def test_the_api_answers_counts_dead_letters_and_the_audit_through_their_models(
    nats_client: Client,
    nats_url: str,
    postgres_url: str,
    make_database: Callable[[str], str],
    district: str,
    stream: str,
) -> None:
    last = await publish_events(nats_client, district, EVENTS)
    subject = f"tak.{district}.intake.person_registered.v1"
    await nats_client.jetstream().publish(subject, b"{not json", headers={"ce-id": str(uuid4())})
    settings = ReportingSettings(
        pseudonym_key="k" * 32,
        nats_url=nats_url,
        database_url=postgres_url,
        database_name=urlsplit(make_database("reporting")).path.lstrip("/"),
        district=district,
        stream_name=stream,
        stream_subjects=[f"tak.{district}.>"],
        subject_filter=f"tak.{district}.>",
        consumer_name=f"reporting_{uuid4().hex[:8]}",
    )

    with TestClient(create_app(settings)) as client:
        counts, dead = read_all(client, EVENTS)
        verified = client.get("/api/audit/verify").json()

    assert {c["district"] for c in counts} == {district}
    assert set(counts[0]) == {"district", "service", "event_type", "events"}
    (letter,) = dead
    assert letter["stream_sequence"] == last + 1 and letter["nats_subject"] == subject
    assert set(letter) == {"id", "stream_sequence", "nats_subject", "reason", "received_at"}
    assert (verified["valid"], verified["problems"]) == (True, [])
    assert set(verified) == {"valid", "problems", "chain", "stream"}
    assert verified["chain"]["events"] == EVENTS
    assert verified["stream"] == {
        "messages": last + 1,
        "reporting_position": last + 1,
        "not_yet_read": 0,
        "held": last + 1,
    }

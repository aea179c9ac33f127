"""Publishing synthetic events onto a stream of the test's own."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from nats.aio.client import Client

from tak_contracts import IntegrationEvent, wrap
from tak_contracts.events.evictions import EvictionThreatRegistered, SignalKind
from tak_contracts.events.intake import Gender, PersonRegistered
from tak_platform.streams import declare_stream, stream_config


@pytest.fixture
async def stream(nats_client: Client, district: str) -> str:
    name = f"R_{district.upper()}"
    await declare_stream(nats_client.jetstream(), stream_config(name, [f"tak.{district}.>"]))
    return name


def sample_event(rng: random.Random) -> IntegrationEvent:
    if rng.random() < 0.5:
        return PersonRegistered(
            person_id=uuid4(),
            person_pseudonym=uuid4().hex,
            registered_on=date(2026, 3, 1),
            birth_year=1970,
            gender=rng.choice(list(Gender)),
            is_test_data=True,
        )
    return EvictionThreatRegistered(
        case_id=uuid4(),
        household_pseudonym=uuid4().hex,
        signal=rng.choice(list(SignalKind)),
        registered_on=date(2026, 3, 1),
        adults=1,
        children_registered=rng.randint(0, 2),
        children_not_registered=0,
        is_test_data=True,
    )


async def publish_events(
    nc: Client, district: str, count: int, *, seed: int = 7, malformed_every: int = 0
) -> int:
    """Publish ``count`` messages (every n-th malformed); returns the stream's last sequence."""
    js, rng = nc.jetstream(), random.Random(seed)
    futures = []
    for i in range(1, count + 1):
        if malformed_every and i % malformed_every == 0:
            futures.append(
                await js.publish_async(
                    f"tak.{district}.intake.person_registered.v1",
                    b"{not json",
                    headers={"ce-id": "x"},
                )
            )
            continue
        event = wrap(
            sample_event(rng),
            id=uuid4(),
            district=district,
            subject=str(uuid4()),
            time=datetime.now(UTC),
            sequence=i,
        )
        futures.append(
            await js.publish_async(event.nats_subject(), event.data, headers=event.headers())
        )
    acks = [await f for f in futures]
    return int(acks[-1].seq)

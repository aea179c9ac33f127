"""Durable consumers declared from ``tak_platform.streams`` on a real nats-server."""

from __future__ import annotations

import pytest
from nats.aio.client import Client

from tak_platform.streams import (
    consumer_name,
    declare_consumer,
    declare_stream,
    durable_explicit_consumer,
    stream_config,
)

pytestmark = pytest.mark.integration


async def test_declaring_a_consumer_again_changes_its_ack_wait_and_keeps_its_position(
    nats_client: Client, district: str
) -> None:
    js = nats_client.jetstream()
    stream, subject = f"S_{district.upper()}", f"tak.{district}.placements.apartment_assigned.v1"
    await declare_stream(js, stream_config(stream, [f"tak.{district}.>"]))
    name = consumer_name("evictions", district)
    await declare_consumer(js, stream, durable_explicit_consumer(name, subject, ack_wait=30))
    for body in (b"1", b"2"):
        await js.publish(subject, body)
    sub = await js.pull_subscribe_bind(durable=name, stream=stream)
    (first,) = await sub.fetch(1)
    await first.ack_sync()

    await declare_consumer(js, stream, durable_explicit_consumer(name, subject, ack_wait=12))
    info = await js.consumer_info(stream, name)
    assert info.config.ack_wait == 12 and info.ack_floor.stream_seq == 1
    (second,) = await sub.fetch(1)
    assert second.data == b"2"
    await sub.unsubscribe()

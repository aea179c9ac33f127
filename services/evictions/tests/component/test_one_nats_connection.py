"""A running evictions service holds one connection to NATS: its relay and its consumer of
placements' assignments share it (issue 12). Counted from the outside, as the operating system
sees the process's sockets, once the consumer is pulling."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

import nats
import psutil
import pytest
from nats.js.errors import NotFoundError

from tak_platform.nats import servers

from .conftest import Service

pytestmark = pytest.mark.integration


async def consumer_pulling(service: Service) -> bool:
    """The service's durable consumer exists and has a pull request waiting."""
    nc = await nats.connect(service.nats_url)
    try:
        info = await nc.jetstream().consumer_info(service.stream, f"evictions-{service.district}")
    except NotFoundError:
        return False
    finally:
        await nc.close()
    return bool(info.num_waiting)


def connections_to_nats(service: Service) -> int:
    """The service process's established TCP connections to a port of its NATS servers."""
    ports = {urlsplit(server).port for server in servers(service.nats_url)}
    return sum(
        1
        for c in psutil.Process(service.pid).net_connections(kind="tcp")
        if c.raddr and c.raddr.port in ports and c.status == psutil.CONN_ESTABLISHED
    )


async def test_a_running_service_holds_one_connection_to_nats(service: Service) -> None:
    deadline = time.monotonic() + 30
    while not await consumer_pulling(service):
        assert time.monotonic() < deadline, "the consumer never started pulling"
        await asyncio.sleep(0.2)

    assert connections_to_nats(service) == 1

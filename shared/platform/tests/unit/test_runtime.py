"""One NATS connection per service, from ``TAK_NATS_URL``; in memory, none at all.

A plain TCP listener stands in for the NATS server: what matters here is whether the runtime
dials it, not what it says."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from faststream.nats import NatsRouter
from nats.aio.client import Client

from tak_platform.nats import servers
from tak_platform.runtime import Runtime
from tak_platform.settings import ServiceSettings


class _Settings(ServiceSettings):
    service = "probe"


class Listener:
    """Notes whether anything connected to it."""

    def __init__(self) -> None:
        self.dialled = asyncio.Event()

    async def accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.dialled.set()
        writer.close()


@pytest.fixture
async def listener() -> AsyncIterator[tuple[Listener, str]]:
    found = Listener()
    server = await asyncio.start_server(found.accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield found, f"nats://127.0.0.1:{port}"


async def run_briefly(runtime: Runtime, listener: Listener) -> bool:
    """Start the runtime, wait up to half a second for a dial, stop it: was it dialled?"""
    runtime.start()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(listener.dialled.wait(), timeout=0.5)
    await runtime.stop()
    return listener.dialled.is_set()


async def test_a_service_in_memory_never_dials_nats(listener: tuple[Listener, str]) -> None:
    found, url = listener
    runtime = Runtime(_Settings(pseudonym_key="k" * 32, nats_url=url))

    assert not await run_briefly(runtime, found)
    assert runtime.nats is None
    assert runtime.health()["nats"] == "not used in memory"


async def test_a_service_with_a_database_dials_each_server_of_its_nats_url(
    listener: tuple[Listener, str],
) -> None:
    found, url = listener
    settings = _Settings(
        pseudonym_key="k" * 32,
        nats_url=f"nats://127.0.0.1:1,{url}",
        database_url="postgresql://127.0.0.1:1/unused",
    )

    assert await run_briefly(Runtime(settings), found)


async def test_a_worker_that_needs_nats_is_refused_in_memory() -> None:
    async def work(nc: Client, stop: asyncio.Event) -> None:
        await stop.wait()

    runtime = Runtime(_Settings(pseudonym_key="k" * 32), workers={"relay": work})

    with pytest.raises(ValueError, match="need NATS"):
        runtime.start()


async def test_a_consumer_is_refused_in_memory() -> None:
    runtime = Runtime(_Settings(pseudonym_key="k" * 32), routers=[NatsRouter()])

    with pytest.raises(ValueError, match="need NATS"):
        runtime.start()


async def test_a_service_whose_nats_is_away_stops_without_waiting_for_it() -> None:
    settings = _Settings(
        pseudonym_key="k" * 32,
        nats_url="nats://127.0.0.1:1",
        database_url="postgresql://127.0.0.1:1/unused",
    )
    runtime = Runtime(settings)
    runtime.start()
    await asyncio.sleep(0.3)

    await asyncio.wait_for(runtime.stop(), timeout=2.0)
    assert runtime.nats is None
    assert runtime.health()["nats"] == "unavailable"


def test_a_comma_separated_nats_url_names_each_server() -> None:
    url = "nats://a.example:4222, nats://b.example:4222,nats://c.example:4222"

    assert servers(url) == [
        "nats://a.example:4222",
        "nats://b.example:4222",
        "nats://c.example:4222",
    ]


@pytest.mark.parametrize("url", ["", " , "])
def test_a_nats_url_without_a_server_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="names no server"):
        servers(url)

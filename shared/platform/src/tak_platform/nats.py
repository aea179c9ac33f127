"""A service's one connection to NATS, from its ``TAK_NATS_URL``: one server, or several
comma-separated (a cluster). A service keeps trying while the server is away; a tool gives up.

A service's connection is its faststream broker's: the broker carries the service's consumers
(faststream routers), and its client is what the relay and the other workers publish and read
with, so a service holds one connection however many workers it runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import nats
from faststream.nats import NatsBroker, NatsRouter
from nats.aio.client import Client

log = logging.getLogger(__name__)


def servers(url: str) -> list[str]:
    """The servers a ``TAK_NATS_URL`` names: ``nats://a:4222,nats://b:4222`` is two."""
    found = [server.strip() for server in url.split(",") if server.strip()]
    if not found:
        raise ValueError(f"TAK_NATS_URL names no server: {url!r}")
    return found


def _options(url: str, name: str, *, keep_trying: bool) -> dict[str, Any]:
    async def error(exc: Exception) -> None:
        log.warning("NATS %s: %s", url, exc or type(exc).__name__)

    return {
        "servers": servers(url),
        "name": name,
        "connect_timeout": 2.0,
        "allow_reconnect": True,
        "max_reconnect_attempts": -1 if keep_trying else 1,
        "reconnect_time_wait": 1.0,
        "error_cb": error,
    }


async def connect(url: str, name: str, *, keep_trying: bool = True) -> Client:
    """A connection to the first server that answers. ``keep_trying``: try, and then
    reconnect, forever; otherwise give up after trying each server twice (a command-line
    tool)."""
    return await nats.connect(**_options(url, name, keep_trying=keep_trying))


def service_broker(
    url: str, name: str, routers: Sequence[NatsRouter] = (), *, graceful_timeout: float = 10.0
) -> NatsBroker:
    """A service's broker: connects as ``connect`` does (trying forever), with the service's
    consumers; stopping it lets a message being handled finish (``graceful_timeout``), then
    drains the connection."""
    return NatsBroker(
        **_options(url, name, keep_trying=True),
        routers=routers,
        graceful_timeout=graceful_timeout,
        logger=log,
        log_level=logging.DEBUG,
    )


async def connect_until_up(broker: NatsBroker, stop: asyncio.Event) -> Client | None:
    """The broker's connection once a server answers, or None if ``stop`` is set first."""
    connecting = asyncio.create_task(broker.connect())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if connecting.done():
        return connecting.result()
    connecting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await connecting
    return None

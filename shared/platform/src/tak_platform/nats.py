"""A service's one connection to NATS, from its ``TAK_NATS_URL``: one server, or several
comma-separated (a cluster). A service keeps trying while the server is away; a tool gives up."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nats
from nats.aio.client import Client

log = logging.getLogger(__name__)


def servers(url: str) -> list[str]:
    """The servers a ``TAK_NATS_URL`` names: ``nats://a:4222,nats://b:4222`` is two."""
    found = [server.strip() for server in url.split(",") if server.strip()]
    if not found:
        raise ValueError(f"TAK_NATS_URL names no server: {url!r}")
    return found


async def connect(url: str, name: str, *, keep_trying: bool = True) -> Client:
    """A connection to the first server that answers. ``keep_trying``: try, and then
    reconnect, forever (a service); otherwise give up after trying each server twice (a
    command-line tool)."""

    async def error(exc: Exception) -> None:
        log.warning("NATS %s: %s", url, exc or type(exc).__name__)

    return await nats.connect(
        servers=servers(url),
        name=name,
        connect_timeout=2.0,
        allow_reconnect=True,
        max_reconnect_attempts=-1 if keep_trying else 1,
        reconnect_time_wait=1.0,
        error_cb=error,
    )


async def connect_until_up(url: str, name: str, stop: asyncio.Event) -> Client | None:
    """The connection once the server answers, or None if ``stop`` is set first."""
    connecting = asyncio.create_task(connect(url, name))
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if connecting.done():
        return connecting.result()
    connecting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await connecting
    return None

"""Connecting to NATS so that a service starts, and keeps trying, while the server is away."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nats
from nats.aio.client import Client

log = logging.getLogger(__name__)


async def connect(url: str, name: str) -> Client:
    """A connection that keeps trying, first to connect and then to reconnect, forever."""

    async def error(exc: Exception) -> None:
        log.warning("NATS %s: %s", url, exc or type(exc).__name__)

    return await nats.connect(
        servers=url.split(","),
        name=name,
        connect_timeout=2.0,
        allow_reconnect=True,
        max_reconnect_attempts=-1,
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

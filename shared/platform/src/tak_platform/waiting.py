"""Waiting on the event loop for whichever comes first: one of some events, or a timeout."""

from __future__ import annotations

import asyncio


async def first_set(*events: asyncio.Event, timeout: float) -> bool:
    """Until one of ``events`` is set (True), or ``timeout`` seconds have passed (False)."""
    if any(e.is_set() for e in events):
        return True
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        done, _ = await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
    return bool(done)

"""``tak status``: processes, URLs, stream and consumer positions, relay lag."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import nats
import psutil
from nats.js.errors import NotFoundError


def gather_status(
    state: dict[str, Any], stream: str = "TAK", consumer: str = "reporting"
) -> dict[str, Any]:
    services = {
        name: _service(url, state["pids"].get(name)) for name, url in state["services"].items()
    }
    return {
        "services": services,
        "stream": asyncio.run(_stream(state["nats_url"], stream, consumer)),
    }


def _service(url: str, pid: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "url": url,
        "pid": pid,
        "running": pid is not None and psutil.pid_exists(pid),
    }
    try:
        health = httpx.get(f"{url}/health", timeout=2.0).json()
    except httpx.HTTPError as exc:
        return out | {"health": f"unreachable: {exc}"}
    return out | {
        "health": health.get("status"),
        "nats": health.get("nats"),
        "relay": health.get("relay"),
    }


async def _stream(url: str, stream: str, consumer: str) -> dict[str, Any]:
    try:
        nc = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=0)
    except (OSError, TimeoutError, nats.errors.NoServersError) as exc:
        return {"error": f"NATS unreachable at {url}: {exc}"}
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        out: dict[str, Any] = {
            "name": stream,
            "messages": info.state.messages,
            "last_seq": info.state.last_seq,
        }
        try:
            ci = await js.consumer_info(stream, consumer)
        except NotFoundError:
            return out | {"consumer": None}
        return out | {
            "consumer": {
                "name": consumer,
                "delivered": ci.delivered.stream_seq,
                "ack_floor": ci.ack_floor.stream_seq,
                "pending": ci.num_pending,
                "ack_pending": ci.num_ack_pending,
            }
        }
    except NotFoundError:
        return {"error": f"stream {stream} not declared yet"}
    finally:
        await nc.close()


def render(status: dict[str, Any]) -> str:
    lines = ["service      pid      running  health  nats         relay position/head (lag)  url"]
    for name, s in status["services"].items():
        relay = s.get("relay")
        lag = f"{relay['position']}/{relay['head']} ({relay['lag']})" if relay else "-"
        lines.append(
            f"{name:<12} {s['pid'] or '-':<8} {'yes' if s['running'] else 'NO':<8} "
            f"{s.get('health') or '-':<7} {s.get('nats') or '-':<12} {lag:<27} {s['url']}"
        )
    st = status["stream"]
    if "error" in st:
        lines.append(f"stream: {st['error']}")
        return "\n".join(lines)
    lines.append(f"stream {st['name']}: {st['messages']} messages, last sequence {st['last_seq']}")
    c = st.get("consumer")
    lines.append(
        f"consumer {c['name']}: delivered up to {c['delivered']}, acknowledged up to "
        f"{c['ack_floor']}, {c['pending']} pending"
        if c
        else "consumer: not created yet"
    )
    return "\n".join(lines)

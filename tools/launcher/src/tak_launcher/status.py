"""``tak status``: each part's process and restarts, each service's health, the stream beside
what reporting stored, and the alarms that turn it red (a line starting ``!!``, exit code 1).

Red means: ``tak up`` or a part is not running; a service is unreachable, degraded or
unhealthy; a relay saw an unexpected duplicate (its event id already on the stream, published
by someone else); or reporting has a gap: it stored up to the stream's last sequence but does
not account for every message on the stream, or it claims a position past the stream's end.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from nats.errors import NoServersError
from nats.js.errors import NotFoundError

from tak_launcher.parts import alive, exit_text
from tak_platform.nats import connect

RED = "!!"


def gather_status(
    state: dict[str, Any], stream: str = "TAK", consumer: str = "reporting"
) -> dict[str, Any]:
    parts = _parts(state)
    services = {name: _service(url, parts.get(name, {})) for name, url in state["services"].items()}
    report = {
        "parts": parts,
        "services": services,
        "stream": asyncio.run(_stream(state["nats_url"], stream, consumer)),
    }
    return report | {"alarms": alarms(report, state.get("supervisor_pid"))}


def _parts(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    recorded = state.get("parts") or {n: {"pid": p} for n, p in state["pids"].items()}
    return {n: p | {"running": alive(p.get("pid"))} for n, p in recorded.items()}


def _service(url: str, part: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"url": url, "pid": part.get("pid"), "running": part.get("running")}
    try:
        answer = httpx.get(f"{url}/health", timeout=2.0)
        health = answer.json()  # read even on 503: it says what is wrong
    except (httpx.HTTPError, ValueError) as exc:
        return out | {"health": "unreachable", "problems": [f"{type(exc).__name__}: {exc}"]}
    fallback = "ok" if answer.status_code == 200 else "unhealthy"
    return out | {
        "health": health.get("status") or fallback,
        "problems": list(health.get("problems") or []),
        "nats": health.get("nats"),
        "relay": health.get("relay"),
        "consumer": health.get("consumer"),
    }


async def _stream(url: str, stream: str, consumer: str) -> dict[str, Any]:
    try:
        nc = await connect(url, "tak-status", keep_trying=False)
    except (OSError, TimeoutError, NoServersError) as exc:
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


def alarms(report: dict[str, Any], supervisor_pid: int | None) -> list[str]:
    """What is wrong, one line each; none when all is well."""
    found = []
    if supervisor_pid is not None and not alive(supervisor_pid):
        found.append(f"tak up (pid {supervisor_pid}) is not running: nothing restarts")
    found += [f"{n} is not running" for n, p in report["parts"].items() if not p["running"]]
    for name, service in report["services"].items():
        found += _health_alarms(name, service)
    reporting = report["services"].get("reporting", {})
    return found + _gap_alarms(report["stream"], reporting.get("consumer"))


def _health_alarms(name: str, service: dict[str, Any]) -> list[str]:
    found = []
    if service["health"] != "ok":
        said = f"{name} {service['health']}"
        found += [f"{said}: {problem}" for problem in service["problems"]] or [said]
    duplicates = (service.get("relay") or {}).get("unexpected_duplicates") or 0
    if duplicates:
        found.append(
            f"{name} relay: {duplicates} unexpected duplicate(s): an event id it had not "
            "published was already on the stream"
        )
    return found


def _gap_alarms(stream: dict[str, Any], consumer: dict[str, Any] | None) -> list[str]:
    if "error" in stream:
        return [stream["error"]]
    position = (consumer or {}).get("position")
    if position is None:
        return []
    last, messages = stream["last_seq"], stream["messages"]
    if position > last:
        return [f"reporting's position {position} is past the stream's last sequence {last}"]
    accounted = consumer.get("accounted") if consumer else None
    if position >= last and accounted is not None and accounted != messages:
        return [f"gap: reporting accounts for {accounted} of the stream's {messages} messages"]
    return []


def render(status: dict[str, Any]) -> str:
    lines = [
        f"{'part':<11} {'pid':<8} {'running':<8} {'restarts':<9} {'last exit':<18} "
        f"{'health':<10} {'nats':<12} {'relay position/head (lag)':<26} url"
    ]
    for name, part in status["parts"].items():
        lines.append(_row(name, part, status["services"].get(name, {})))
    lines += _stream_lines(status)
    lines += [f"{RED} {alarm}" for alarm in status["alarms"]]
    return "\n".join(lines)


def _row(name: str, part: dict[str, Any], service: dict[str, Any]) -> str:
    relay = service.get("relay")
    lag = f"{relay.get('position')}/{relay.get('head')} ({relay.get('lag')})" if relay else "-"
    restarts = part.get("restarts", 0)
    last_exit = exit_text(part.get("last_exit")) if restarts else "-"
    return (
        f"{name:<11} {part.get('pid') or '-':<8} {'yes' if part['running'] else 'NO':<8} "
        f"{restarts:<9} {last_exit:<18} {service.get('health') or '-':<10} "
        f"{service.get('nats') or '-':<12} {lag:<26} {service.get('url') or part.get('url') or '-'}"
    )


def _stream_lines(status: dict[str, Any]) -> list[str]:
    st = status["stream"]
    if "error" in st:
        return []  # an alarm says it
    c = st.get("consumer")
    lines = [
        f"stream {st['name']}: {st['messages']} messages, last sequence {st['last_seq']}",
        f"consumer {c['name']}: delivered up to {c['delivered']}, acknowledged up to "
        f"{c['ack_floor']}, {c['pending']} pending"
        if c
        else "consumer: not created yet",
    ]
    stored = (status["services"].get("reporting") or {}).get("consumer")
    if stored:
        lines.append(
            f"reporting: stored up to sequence {stored.get('position')}, accounts for "
            f"{stored.get('accounted')} of {st['messages']} messages ({stored.get('events')} "
            f"events, {stored.get('duplicates')} duplicates, {stored.get('dead_letters')} "
            "dead letters)"
        )
    return lines

"""The launcher's rules that need no process: restart backoff, and when ``tak status`` is red."""

from __future__ import annotations

import os
from typing import Any

from tak_launcher.parts import LONGEST_PAUSE, SETTLED_AFTER, Backoff
from tak_launcher.servers import free_port
from tak_launcher.status import alarms, gather_status


def test_restart_pauses_double_from_half_a_second_up_to_thirty() -> None:
    backoff = Backoff()
    pauses = [backoff.next(up_for=1.0) for _ in range(9)]
    assert pauses == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, LONGEST_PAUSE, LONGEST_PAUSE, LONGEST_PAUSE]


def test_a_part_that_stayed_up_a_while_restarts_after_the_shortest_pause_again() -> None:
    backoff = Backoff()
    for _ in range(5):
        backoff.next(up_for=1.0)
    assert backoff.next(up_for=SETTLED_AFTER) == 0.5


def report(**changes: Any) -> dict[str, Any]:
    services: dict[str, dict[str, Any]] = {
        "reporting": {"health": "ok", "problems": [], "consumer": changes.get("consumer")},
        "evictions": {"health": "ok", "problems": [], "relay": changes.get("relay")},
    }
    stream = changes.get("stream", {"messages": 10, "last_seq": 10})
    parts = {"nats": {"running": changes.get("running", True)}}
    return {"parts": parts, "services": services, "stream": stream}


def consumer(position: int, accounted: int) -> dict[str, Any]:
    return {"position": position, "accounted": accounted}


def test_all_well_raises_no_alarm() -> None:
    assert alarms(report(consumer=consumer(10, 10)), os.getpid()) == []


def test_reporting_caught_up_but_accounting_for_fewer_messages_than_the_stream_is_a_gap() -> None:
    found = alarms(report(consumer=consumer(10, 9)), None)
    assert found == ["gap: reporting accounts for 9 of the stream's 10 messages"]


def test_reporting_still_reading_is_no_gap_yet() -> None:
    assert alarms(report(consumer=consumer(7, 7)), None) == []


def test_reporting_past_the_end_of_the_stream_is_an_alarm() -> None:
    assert alarms(report(consumer=consumer(11, 11)), None) == [
        "reporting's position 11 is past the stream's last sequence 10"
    ]


def test_a_part_not_running_and_an_unexpected_duplicate_are_alarms() -> None:
    found = alarms(report(running=False, relay={"unexpected_duplicates": 2}), None)
    assert found[0] == "nats is not running"
    assert found[1].startswith("evictions relay: 2 unexpected duplicate(s)")


def test_a_degraded_service_is_an_alarm_per_problem() -> None:
    degraded = report()
    degraded["services"]["evictions"] |= {"health": "degraded", "problems": ["a", "b"]}
    assert alarms(degraded, None) == ["evictions degraded: a", "evictions degraded: b"]


def test_a_supervisor_that_is_gone_is_an_alarm() -> None:
    gone = 2**22 + 1  # above Linux's default pid_max
    assert alarms(report(), gone) == [f"tak up (pid {gone}) is not running: nothing restarts"]


def test_status_names_nats_unreachable_instead_of_waiting_for_it() -> None:
    nobody = f"nats://127.0.0.1:{free_port()},nats://127.0.0.1:{free_port()}"

    found = gather_status({"services": {}, "pids": {}, "nats_url": nobody})

    assert found["stream"]["error"].startswith(f"NATS unreachable at {nobody}")
    assert any("NATS" in alarm for alarm in found["alarms"])

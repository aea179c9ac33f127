"""Soak: the whole suite under a steady load with idle gaps while each part is killed -9.

Clients send commands to intake, placements and evictions with an ``Idempotency-Key`` and retry
with the same key until they get an answer, as a caseworker's browser would. Meanwhile every
service, nats-server and PostgreSQL is killed -9 once and restarted by ``tak up``. Then every
hop is counted: each accepted command's events are in its producer's log once (and no command
took effect twice), on the stream once, and in reporting's audit copy once (``tak audit verify``).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest

from tak_evictions.demo import threat
from tak_intake.demo import person
from tak_placements.demo import apartment
from tak_platform.identity import synthetic_number

from .suite import RunningSuite, wait_until

pytestmark = pytest.mark.e2e

LOAD_SECONDS = 55.0
IDLE_GAPS = ((14.0, 17.0), (33.0, 36.5))
"""Stretches with no load at all: a consumer must not lose what arrives after an idle fetch."""
KILLS = (
    (5.0, "evictions"),
    (12.0, "nats"),
    (20.0, "intake"),
    (26.0, "postgres"),
    (34.0, "reporting"),
    (40.0, "placements"),
    (46.0, "evictions"),
)
ANSWER_WITHIN = 60.0


@dataclass
class Ledger:
    """What the clients were told: every answer to every key, and what each command was."""

    answers: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    commands: dict[str, tuple[str, str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[str] = field(default_factory=list)

    def record(self, key: str, kind: str, target: str, status: int, body: Any) -> None:
        with self.lock:
            self.answers.setdefault(key, []).append((status, body))
            self.commands[key] = (kind, target)

    def accepted(self, kind: str) -> list[str]:
        return [k for k, (c, _) in self.commands.items() if c == kind]


class Client:
    """Sends a command until it is answered, with the same key each time."""

    def __init__(self, ledger: Ledger, rng: random.Random) -> None:
        self.ledger, self.rng = ledger, rng
        self.http = httpx.Client(timeout=10.0)

    def command(self, kind: str, url: str, body: dict[str, Any], target: str = "") -> Any:
        key = str(uuid.uuid4())
        status, answer = self._until_answered(url, body, key)
        if not 200 <= status < 300:
            self.ledger.errors.append(f"{kind} {url}: {status} {answer}")
            return None
        self.ledger.record(key, kind, target, status, answer)
        if self.rng.random() < 0.15:  # the answer got lost on the way: the client asks again
            again = self._until_answered(url, body, key)
            self.ledger.record(key, kind, target, *again)
        return answer

    def _until_answered(self, url: str, body: dict[str, Any], key: str) -> tuple[int, Any]:
        deadline = time.monotonic() + ANSWER_WITHIN
        while True:
            try:
                r = self.http.post(url, json=body, headers={"Idempotency-Key": key})
                if r.status_code < 500 and not _conflict(r):
                    return r.status_code, r.json()
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"no answer to {url} within {ANSWER_WITHIN}s"
            time.sleep(0.2)


def _conflict(answer: httpx.Response) -> bool:
    """Someone else wrote the same record at the same moment, more often than the service
    decides again by itself: reload and try again, as the answer's fix says (nothing was stored,
    so the same key is right)."""
    return answer.status_code == 409 and "at the same time" in answer.text


class Load:
    def __init__(self, suite: RunningSuite, ledger: Ledger) -> None:
        self.suite, self.ledger = suite, ledger
        self.start = time.monotonic()
        self.cases: dict[str, int] = {}
        self.numbers: set[str] = set()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def running(self) -> bool:
        return self.elapsed() < LOAD_SECONDS

    def pace(self, per_second: float) -> None:
        time.sleep(1.0 / per_second)
        while any(a <= self.elapsed() < b for a, b in IDLE_GAPS):
            time.sleep(0.1)

    def evictions(self, seed: int) -> None:
        client, rng = Client(self.ledger, random.Random(seed)), random.Random(seed)
        url = self.suite.url("evictions")
        while self.running():
            if not self.cases or rng.random() < 0.4:
                body = self._new_household(rng)
                done = client.command("threat", f"{url}/api/cases", body)
                if done:
                    self.cases[done["case_id"]] = done["version"]
            else:
                case = rng.choice(sorted(self.cases))
                step = {"recorded_by": "soak", "channel": "phone", "on": str(date.today())}
                path = f"{url}/api/cases/{case}/contact-attempts"
                client.command("contact", path, step | {"reached": False}, target=case)
            self.pace(6)

    def _new_household(self, rng: random.Random) -> dict[str, Any]:
        body = threat(rng, date.today())
        number = body["tenant"]["personal_identity_number"]
        while number in self.numbers:
            number = synthetic_number(rng, rng.randint(1950, 2004))
        self.numbers.add(number)
        body["tenant"]["personal_identity_number"] = number
        return body

    def intake(self, seed: int) -> None:
        client, rng = Client(self.ledger, random.Random(seed)), random.Random(seed)
        while self.running():
            client.command("person", f"{self.suite.url('intake')}/api/persons", person(rng))
            self.pace(4)

    def placements(self, seed: int) -> None:
        client, rng = Client(self.ledger, random.Random(seed)), random.Random(seed)
        url = f"{self.suite.url('placements')}/api/apartments"
        while self.running():
            flat = client.command("apartment", url, apartment(rng))
            if flat:
                body = {
                    "personal_identity_number": synthetic_number(rng, 1980),
                    "assigned_on": str(date.today()),
                    "assigned_by": "soak",
                    "is_test_data": True,
                }
                path = f"{url}/{flat['apartment_id']}/assignments"
                client.command("assignment", path, body, target=flat["apartment_id"])
            self.pace(3)

    def faults(self) -> None:
        for at, part in KILLS:
            time.sleep(max(at - self.elapsed(), 0))
            pid = int(self.suite.state()["pids"][part])
            os.kill(pid, signal.SIGKILL)
            wait_until(self._restarted(part, pid), timeout=60)

    def _restarted(self, part: str, old: int) -> Callable[[], bool]:
        def check() -> bool:
            return int(self.suite.state()["pids"].get(part) or old) != old

        return check


def run_threads(*targets: Callable[[], None]) -> None:
    failures: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as exc:  # reported by the test below
                failures.append(exc)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures


def test_under_load_and_kill_9_every_accepted_command_is_everywhere_exactly_once(
    suite: RunningSuite,
) -> None:
    suite.state()
    ledger = Ledger()
    load = Load(suite, ledger)
    run_threads(
        lambda: load.evictions(1),
        lambda: load.evictions(2),
        lambda: load.intake(3),
        lambda: load.placements(4),
        load.faults,
    )
    assert not ledger.errors, ledger.errors[:5]
    for key, answers in ledger.answers.items():
        assert len({json.dumps(a, sort_keys=True) for a in answers}) == 1, (key, answers)

    wait_until(lambda: _quiet(suite), timeout=90)
    published = _published(suite)
    _assert_each_command_took_effect_once(suite, ledger, published)

    verify = subprocess.run(
        [str(suite.tak_path), "audit", "verify", "--data-dir", str(suite.data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    health = httpx.get(f"{suite.url('reporting')}/health", timeout=10).json()["consumer"]
    print(
        f"soak: {len(ledger.commands)} commands accepted, {sum(published.values())} events in"
        f" the producers' logs, {health['stream_messages']} on the stream,"
        f" {health['events']} in reporting's audit copy ({health['duplicates']} repeats,"
        f" {health['dead_letters']} dead letters)"
    )
    assert health["events"] == sum(published.values())
    assert health["dead_letters"] == 0

    _forge_a_copy_and_see_verify_name_it(suite)


def _quiet(suite: RunningSuite) -> bool:
    """Every relay has published its whole log and reporting has read the whole stream."""
    try:
        health = {s: httpx.get(f"{suite.url(s)}/health", timeout=5).json() for s in SERVICES}
    except httpx.HTTPError:
        return False
    relays = [health[s].get("relay") or {} for s in ("intake", "placements", "evictions")]
    consumer = health["reporting"].get("consumer") or {}
    return all(r.get("lag") == 0 and r.get("position", 0) > 0 for r in relays) and consumer.get(
        "position"
    ) == consumer.get("stream_last_seq")


SERVICES = ("intake", "placements", "evictions", "reporting")
EVENT_OF = {
    "threat": ("evictions", "eviction_threat_registered"),
    "contact": ("evictions", "eviction_contact_attempted"),
    "person": ("intake", "person_registered"),
    "assignment": ("placements", "apartment_assigned"),
}


def _published(suite: RunningSuite) -> Counter[tuple[str, str]]:
    """Events in each producer's log, by service and event name, from its outbox listing."""
    counts: Counter[tuple[str, str]] = Counter()
    for service in ("intake", "placements", "evictions"):
        after: int | None = 0
        while after is not None:
            page = httpx.get(
                f"{suite.url(service)}/api/outbox", params={"after": after}, timeout=30
            ).json()
            counts.update((service, e["subject"].split(".")[3]) for e in page["events"])
            after = page["next_after"]
    return counts


def _assert_each_command_took_effect_once(
    suite: RunningSuite, ledger: Ledger, published: Counter[tuple[str, str]]
) -> None:
    for kind, event in EVENT_OF.items():
        assert published[event] == len(ledger.accepted(kind)), (kind, published)
    contacts = Counter(ledger.commands[k][1] for k in ledger.accepted("contact"))
    for key in ledger.accepted("threat"):
        answer = ledger.answers[key][0][1]
        assert answer["outcome"] == "opened", answer
        case = httpx.get(f"{suite.url('evictions')}/api/cases/{answer['case_id']}", timeout=10)
        assert case.json()["version"] == answer["version"] + contacts[answer["case_id"]]


def _forge_a_copy_and_see_verify_name_it(suite: RunningSuite) -> None:
    """The check can fail: a second copy of a real event under another message id is named."""
    import asyncio

    import nats

    async def forge() -> str:
        nc = await nats.connect(suite.state()["nats_url"])
        js = nc.jetstream()
        last = await js.get_last_msg("TAK", "tak.*.evictions.>")
        headers = dict(last.headers or {}) | {"Nats-Msg-Id": str(uuid.uuid4())}
        await js.publish(last.subject or "", last.data or b"", headers=headers)
        await nc.close()
        return str((last.headers or {})["ce-id"])

    event_id = asyncio.run(forge())
    verify = subprocess.run(
        [str(suite.tak_path), "audit", "verify", "--data-dir", str(suite.data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode != 0
    assert event_id in verify.stdout

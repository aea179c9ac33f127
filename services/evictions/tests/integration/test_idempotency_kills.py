"""A step sent with an ``Idempotency-Key`` takes effect once, wherever the service is killed.

A real evictions process on the test's PostgreSQL and NATS is killed (SIGKILL) at each point
of a step: waiting to start its transaction, inside it after the events' insert, after the
commit as soon as the receipt is visible, and after the answer. Each time it is restarted and
the client retries with the same key: the case holds the step exactly once and the retry is a
2xx with the same status and body as any answer seen before. The service is paused at those
points from outside, with table locks the test holds; it has no code for the test.
"""

from __future__ import annotations

import contextlib
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

import httpx
import psycopg
import pytest

from tak_evictions.demo import threat
from tak_launcher.servers import free_port
from tak_platform.database import create_database, drop_database

pytestmark = pytest.mark.integration

EVENTS, RECEIPTS = "evictions_events", "evictions_idempotency_keys"
CONTACT = "tak.evictions:EvictionCase.ContactAttempted"
Answer = tuple[int, bytes]


def wait_for(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)
    return result


class Service:
    """``python -m tak_evictions`` on its own database, district and stream."""

    def __init__(self, database: str, server_url: str, nats_url: str, log: Path) -> None:
        district = f"k{uuid4().hex[:8]}"
        self.url, self.database, self.log = f"http://127.0.0.1:{free_port()}", database, log
        self.env = os.environ | {
            "TAK_NATS_URL": nats_url,
            "TAK_DATABASE_URL": server_url,
            "TAK_DATABASE_NAME": urlsplit(database).path.lstrip("/"),
            "TAK_DISTRICT": district,
            "TAK_STREAM_NAME": f"K_{district.upper()}",
            "TAK_STREAM_SUBJECTS": f'["tak.{district}.>"]',
            "TAK_HTTP_PORT": self.url.rsplit(":", 1)[1],
            "TAK_PSEUDONYM_KEY": "k" * 32,
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tak_evictions"], env=self.env, stdout=log, stderr=log
            )
        wait_for(self._answers, timeout=60)

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)

    def post(self, path: str, body: dict[str, Any], key: str) -> Answer:
        answer = httpx.post(
            f"{self.url}{path}", json=body, headers={"Idempotency-Key": key}, timeout=30
        )
        return answer.status_code, answer.content


@pytest.fixture(scope="module")
def service(
    postgres_url: str, nats_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """One service for the module: each test kills and restarts it."""
    name = f"evictions_{uuid4().hex[:8]}"
    log = tmp_path_factory.mktemp("kills") / "evictions.log"
    service = Service(create_database(postgres_url, name), postgres_url, nats_url, log)
    service.start()
    yield service
    if service.proc is not None and service.proc.poll() is None:
        service.kill()
    drop_database(postgres_url, name)


class InFlight:
    """A request sent in the background; its answer, if the service gave one before dying."""

    def __init__(self, send: Callable[[], Answer]) -> None:
        self.answer: Answer | None = None
        self._thread = threading.Thread(target=self._run, args=(send,))
        self._thread.start()

    def _run(self, send: Callable[[], Answer]) -> None:
        with contextlib.suppress(httpx.HTTPError):  # the service died first
            self.answer = send()

    def join(self) -> Answer | None:
        self._thread.join(30)
        return self.answer


def waiter(db: psycopg.Connection[Any], table: str) -> tuple[int, set[str]] | None:
    """A session waiting to lock ``table``, and the tables it holds locks on; None if none."""
    waiting = db.execute(
        "SELECT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
        " WHERE c.relname = %s AND NOT l.granted",
        (table,),
    ).fetchone()
    if waiting is None:
        return None
    held = db.execute(
        "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
        " WHERE l.granted AND l.pid = %s",
        (waiting[0],),
    ).fetchall()
    return waiting[0], {r[0] for r in held}


def kill_while_waiting_for(
    table: str, *, events_inserted: bool
) -> Callable[[Service, Callable[[], Answer]], Answer | None]:
    """Hold ``table`` locked against writes, kill the service once its save waits for it."""

    def run(service: Service, send: Callable[[], Answer]) -> Answer | None:
        with (
            psycopg.connect(service.database) as lock,
            psycopg.connect(service.database, autocommit=True) as watch,
        ):
            lock.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            request = InFlight(send)
            _, held = wait_for(lambda: waiter(watch, table))
            assert (EVENTS in held) == events_inserted, held
            service.kill()
            lock.rollback()
        return request.join()

    return run


def kill_once_the_receipt_is_visible(service: Service, send: Callable[[], Answer]) -> Answer | None:
    with psycopg.connect(service.database, autocommit=True) as watch:
        before = receipts(watch)
        request = InFlight(send)
        wait_for(lambda: receipts(watch) > before)
        service.kill()
    return request.join()


def receipts(db: psycopg.Connection[Any]) -> int:
    row = db.execute(f"SELECT count(*) FROM {RECEIPTS}").fetchone()
    assert row is not None
    return int(row[0])


def kill_after_the_answer(service: Service, send: Callable[[], Answer]) -> Answer | None:
    answer = send()
    service.kill()
    return answer


def steps_recorded(service: Service, case_id: str) -> int:
    with psycopg.connect(service.database) as db:
        row = db.execute(
            f"SELECT count(*) FROM {EVENTS} WHERE originator_id = %s AND topic = %s",
            (case_id, CONTACT),
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize(
    "kill",
    [
        kill_while_waiting_for(EVENTS, events_inserted=False),
        kill_while_waiting_for(RECEIPTS, events_inserted=True),
        kill_once_the_receipt_is_visible,
        kill_after_the_answer,
    ],
    ids=[
        "before-the-transaction",
        "after-the-events-insert",
        "after-the-commit",
        "after-the-answer",
    ],
)
def test_a_retried_step_takes_effect_once_and_is_answered_alike_wherever_the_service_died(
    service: Service, kill: Callable[[Service, Callable[[], Answer]], Answer | None]
) -> None:
    yesterday, key = date.today() - timedelta(days=1), uuid4().hex
    status, body = service.post("/api/cases", threat(random.Random(key), yesterday), key=key)
    assert status == 201, body
    case_id = httpx.Response(status, content=body).json()["case_id"]
    step = {"channel": "phone", "on": yesterday.isoformat(), "reached": False, "recorded_by": "bo"}

    def send() -> Answer:
        return service.post(f"/api/cases/{case_id}/contact-attempts", step, key=f"{key}/step")

    seen = kill(service, send)
    service.start()
    retried = send()
    assert 200 <= retried[0] < 300, retried
    assert seen is None or seen == retried
    assert send() == retried and steps_recorded(service, case_id) == 1

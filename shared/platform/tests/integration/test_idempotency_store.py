"""``Idempotency-Key`` on PostgreSQL: answered once, and not stuck when a process died."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from eventsourcing.postgres import PostgresDatastore

from tak_platform.application import persistence_env
from tak_platform.errors import Conflict
from tak_platform.idempotency import PostgresIdempotencyStore, run_idempotent

pytestmark = pytest.mark.integration


@pytest.fixture
def database(make_database: Callable[[str], str]) -> str:
    return make_database("idem")


@pytest.fixture
def store(database: str) -> Iterator[PostgresIdempotencyStore]:
    env = persistence_env(database)
    datastore = PostgresDatastore(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
    )
    yield PostgresIdempotencyStore(datastore)
    datastore.close()


def test_a_retry_gets_the_first_answer(store: PostgresIdempotencyStore) -> None:
    runs: list[int] = []

    def command() -> tuple[int, object]:
        runs.append(1)
        return 201, {"run": len(runs)}

    assert run_idempotent(store, "k", "p", command) == (201, {"run": 1})
    assert run_idempotent(store, "k", "p", command) == (201, {"run": 1}) and len(runs) == 1


def test_a_reservation_left_by_a_dead_process_is_taken_over_after_a_minute(
    store: PostgresIdempotencyStore, database: str
) -> None:
    assert store.reserve("k", "p") is None  # the process dies here, mid-command
    with pytest.raises(Conflict):
        store.reserve("k", "p")
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("UPDATE idempotency_keys SET created_at = now() - interval '2 minutes'")
    assert run_idempotent(store, "k", "p", lambda: (201, {"ok": True})) == (201, {"ok": True})

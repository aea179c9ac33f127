"""``Idempotency-Key``: a retried command is answered from the first run."""

from __future__ import annotations

import pytest

from tak_platform.errors import Conflict, Invalid
from tak_platform.idempotency import InMemoryIdempotencyStore, fingerprint, run_idempotent


def test_a_retry_with_the_same_key_returns_the_first_answer_without_running_again() -> None:
    store, runs = InMemoryIdempotencyStore(), []

    def command() -> tuple[int, object]:
        runs.append(1)
        return 201, {"n": len(runs)}

    first = run_idempotent(store, "k", fingerprint("c", {"a": 1}), command)
    second = run_idempotent(store, "k", fingerprint("c", {"a": 1}), command)
    assert first == second == (201, {"n": 1}) and len(runs) == 1


def test_the_same_key_for_another_request_is_refused() -> None:
    store = InMemoryIdempotencyStore()
    run_idempotent(store, "k", fingerprint("c", {"a": 1}), lambda: (201, {}))
    with pytest.raises(Invalid, match="another request"):
        run_idempotent(store, "k", fingerprint("c", {"a": 2}), lambda: (201, {}))


def test_a_failed_command_releases_its_key_so_the_retry_runs() -> None:
    store = InMemoryIdempotencyStore()

    def failing() -> tuple[int, object]:
        raise Conflict("stale")

    with pytest.raises(Conflict):
        run_idempotent(store, "k", "p", failing)
    assert run_idempotent(store, "k", "p", lambda: (201, {"ok": True})) == (201, {"ok": True})


def test_without_a_key_the_command_simply_runs() -> None:
    runs: list[int] = []

    def command() -> tuple[int, object]:
        runs.append(1)
        return 200, {}

    run_idempotent(InMemoryIdempotencyStore(), None, "p", command)
    run_idempotent(InMemoryIdempotencyStore(), None, "p", command)
    assert len(runs) == 2

"""What /health concludes: degraded on a problem, unhealthy on a lost database or a stuck part."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from tak_launcher.servers import free_port
from tak_platform.health import Progress, judge
from tak_platform.http import create_service_app
from tak_platform.runtime import Runtime
from tak_platform.settings import ServiceSettings


def test_a_lost_database_makes_the_service_unhealthy() -> None:
    verdict = judge({"database": "unavailable: OperationalError: refused", "nats": "connected"})
    assert verdict.status == "unhealthy"
    assert verdict.body()["problems"][0].startswith("database unavailable")


def test_a_problem_reported_deep_in_a_part_degrades_the_service_and_names_the_part() -> None:
    verdict = judge({"work_list": {"problems": ["2 events parked"], "stuck": None}})
    assert verdict.status == "degraded"
    assert verdict.problems == ["work_list: 2 events parked"]


def test_a_stuck_part_makes_the_service_unhealthy() -> None:
    verdict = judge({"relay": {"problems": [], "stuck": "relay stuck at 4 of 9 for 31s"}})
    assert verdict.status == "unhealthy"


def test_nats_away_degrades_but_commands_still_count_as_working() -> None:
    assert judge({"nats": "unavailable", "database": "connected"}).status == "degraded"


def test_nothing_reported_is_ok() -> None:
    assert judge({"nats": "connected", "database": "connected", "relay": {"lag": 0}}).status == "ok"


def test_a_worker_behind_and_not_moving_is_stuck_only_after_the_threshold() -> None:
    progress = Progress(stuck_after=0.05)
    assert progress.stuck(4, behind=True) is None
    time.sleep(0.06)
    assert progress.stuck(4, behind=True) is not None
    assert progress.stuck(5, behind=True) is None, "moving again resets the clock"
    time.sleep(0.06)
    assert progress.stuck(5, behind=False) is None, "nothing to do is never stuck"


class _Settings(ServiceSettings):
    service = "probe"


def _app(database_url: str | None, extra: dict[str, Any]) -> TestClient:
    api = create_service_app(
        Runtime(_Settings(pseudonym_key="k" * 32)),
        title="health",
        description="a test app",
        database_url=database_url,
        health_extra=lambda: extra,
    )
    return TestClient(api)


def test_health_answers_503_naming_the_database_when_it_does_not_answer() -> None:
    answer = _app(f"postgresql://127.0.0.1:{free_port()}/gone", {}).get("/health")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "unhealthy"
    assert body["problems"][0].startswith("database unavailable")


def test_health_answers_200_degraded_with_a_part_s_problem() -> None:
    answer = _app(None, {"work_list": {"problems": ["1 events parked"]}}).get("/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "degraded"
    assert "work_list: 1 events parked" in answer.json()["problems"]

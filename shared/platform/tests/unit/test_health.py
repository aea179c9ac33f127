"""What /health concludes: degraded on a problem, unhealthy on a lost database or a stuck part."""

from __future__ import annotations

import time

from tak_platform.health import Progress, judge


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

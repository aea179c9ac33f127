"""The work list's rows, and the first contact's due day on the Swedish calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from tak_evictions.application import EvictionsApp
from tak_evictions.bootstrap import create_app
from tak_evictions.domain.deadlines import swedish_holidays
from tak_evictions.domain.values import ContactAttempt, Signal
from tak_evictions.projections.work_list import COLUMNS, WorkListProjection, row_of
from tak_evictions.settings import EvictionsSettings

from .conftest import MONDAY, later, registered_case

DUE = date(2026, 11, 5)


def projection(working_days: int = 3) -> WorkListProjection:
    app = EvictionsApp.for_database(None, pseudonym_key="k" * 32)
    return WorkListProjection(app, working_days, swedish_holidays())


def test_a_new_case_is_an_open_row_with_whom_and_when_the_first_contact_is_due() -> None:
    case = registered_case(children=2, eviction_date=date(2026, 12, 1))
    row = row_of(case, DUE)
    assert tuple(row) == COLUMNS
    assert row["case_id"] == case.id and row["status"] == "open" and row["version"] == 1
    assert row["tenant_name"] == "Alva Testsson" and row["coordinator"] == "bo1"
    assert row["registered_on"] == MONDAY.date() and row["first_contact_due"] == DUE
    assert row["eviction_date"] == date(2026, 12, 1) and row["signal_kinds"] == ["rent_arrears"]
    assert (row["children_registered"], row["children_not_registered"]) == (2, 0)
    assert not row["first_contact_attempted"] and not row["contact_reached"]
    assert not row["alert_open"] and row["updated_at"] == MONDAY


def test_a_contact_attempt_that_reached_nobody_is_attempted_but_not_reached() -> None:
    case = registered_case()
    case.attempt_contact(
        ContactAttempt("letter", later(1).date(), reached=False), recorded_by="bo1", now=later(1)
    )
    row = row_of(case, DUE)
    assert row["first_contact_attempted"] and not row["contact_reached"]
    assert row["version"] == 2 and row["updated_at"] == later(1)


def test_each_kind_of_signal_is_listed_once_in_the_order_received() -> None:
    case = registered_case()
    for kind in ("enforcement_application", "rent_arrears"):
        case.add_signal(
            Signal(kind, later(2).date()), case.household, recorded_by="bo1", now=later(2)
        )
    assert row_of(case, DUE)["signal_kinds"] == ["rent_arrears", "enforcement_application"]


def test_children_evicted_without_an_alternative_leave_a_closed_row_with_its_alert() -> None:
    case = registered_case(children=1)
    case.record_execution(later(5).date(), 1, 0, None, recorded_by="bo1", now=later(5))
    row = row_of(case, DUE)
    assert row["status"] == "closed" and row["alert_open"]
    assert case.emergency_request_id is not None
    assert row["emergency_request_id"] == case.emergency_request_id


@pytest.mark.parametrize(
    ("registered_on", "due"),
    [
        (date(2026, 12, 18), date(2026, 12, 23)),  # Fri: Mon, Tue, Wed
        (date(2026, 12, 21), date(2026, 12, 28)),  # Mon: Tue, Wed, (Christmas Eve to Sun), Mon
        (date(2026, 12, 23), date(2026, 12, 30)),  # Wed: (Thu 24 - Sun 27), Mon, Tue, Wed
        (date(2026, 12, 30), date(2027, 1, 7)),  # Wed: (New Year), Mon 4, Tue 5, (Epiphany), Thu
        (date(2026, 4, 2), date(2026, 4, 9)),  # Maundy Thu: (Good Fri - Easter Mon), Tue-Thu
        (date(2026, 6, 18), date(2026, 6, 24)),  # Thu: (Midsummer Eve and Day, Sun), Mon-Wed
    ],
)
def test_the_first_contact_is_due_three_working_days_after_registration(
    registered_on: date, due: date
) -> None:
    assert projection().first_contact_due(registered_on) == due


def test_the_calendar_is_the_real_one() -> None:
    assert date(2026, 12, 18).strftime("%A") == "Friday"
    assert date(2026, 12, 24).strftime("%A") == "Thursday"
    holidays = swedish_holidays()
    assert date(2026, 12, 24) in holidays and date(2026, 12, 25) in holidays
    assert date(2026, 6, 19) in holidays and date(2027, 1, 6) in holidays
    assert date(2026, 12, 22) not in holidays and date(2026, 12, 28) not in holidays


def test_without_a_database_the_work_list_says_it_needs_postgresql() -> None:
    settings = EvictionsSettings(pseudonym_key="k" * 32, nats_url="nats://127.0.0.1:1")
    api = create_app(settings, now=lambda: datetime(2026, 11, 23, 10, tzinfo=UTC))
    with TestClient(api) as client:
        answer = client.get("/api/work-list")
        health = client.get("/health").json()
    assert answer.status_code == 503 and "needs PostgreSQL" in answer.json()["detail"][0]["msg"]
    assert health["work_list"] == "needs PostgreSQL"

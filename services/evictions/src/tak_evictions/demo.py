"""Evictions' demo data: bodies of synthetic eviction threats, and a district's year of cases
worked step by step (``tak demo`` sends them through the API).

Every household is invented (:mod:`tak_platform.synthetic`), its personal identity number
generated with a valid check digit, and every record flagged ``is_test_data``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tak_platform import synthetic
from tak_platform.identity import synthetic_number

LANDLORDS = ["Stadens Bostäder AB (demo)", "Privatvärd Demo HB", "Allmännyttan Test AB"]
SIGNALS = [
    "rent_arrears",
    "notice_of_termination",
    "enforcement_application",
    "disturbance",
    "other",
]
SIGNAL_WEIGHTS = [45, 25, 20, 7, 3]


def threat(rng: random.Random, today: date) -> dict[str, Any]:
    kind = rng.choices(SIGNALS, weights=SIGNAL_WEIGHTS)[0]
    children = _children(rng, today, rng.choices([0, 1, 2, 3], weights=[65, 15, 12, 8])[0])
    received = today - timedelta(days=rng.randint(0, 60))
    number = synthetic_number(rng, rng.randint(1950, 2004))
    return _threat_body(rng, _signal(rng, kind, received), children, number)


def _children(rng: random.Random, today: date, count: int) -> list[dict[str, Any]]:
    """Kronofogden counts children registered at the address (about 55%) and others apart."""
    return [
        {
            "birth_year": today.year - rng.randint(1, 17),
            "registered_at_address": rng.random() < 0.55,
        }
        for _ in range(count)
    ]


def _signal(rng: random.Random, kind: str, received: date) -> dict[str, Any]:
    signal: dict[str, Any] = {"kind": kind, "received_on": received.isoformat()}
    if kind in ("rent_arrears", "enforcement_application"):
        signal |= {
            "arrears_amount": str(rng.randrange(3_000, 90_000, 500)),
            "arrears_months": rng.randint(1, 6),
        }
    if kind == "enforcement_application":
        signal["enforcement_case_number"] = f"DEMO-{rng.randint(10_000, 99_999)}"
    return signal


def _threat_body(
    rng: random.Random, signal: dict[str, Any], children: list[dict[str, Any]], number: str
) -> dict[str, Any]:
    return {
        "tenant": {
            "name": synthetic.name(rng),
            "personal_identity_number": number,
            "phone": f"070-000 {rng.randint(10, 99)} {rng.randint(10, 99)}",
        },
        "address": synthetic.street_address(rng),
        "landlord_name": rng.choice(LANDLORDS),
        "adults": rng.choice([1, 1, 2]),
        "children": children,
        "signal": signal,
        "registered_by": "bosamordnare-1",
        "is_test_data": True,
    }


THREATS = 140
"""Eviction threats a district handles in a year (one district's figure)."""
SHARES = {"executed": 0.05, "moved": 0.13, "open": 0.20}
"""How the year's cases end up (executed 5–8 of 140); the rest were prevented."""
WITHDRAWN = 0.59
"""Kronofogden: about 58–60% of eviction applications are withdrawn."""
ENFORCEMENT = "enforcement_application"
ARREARS = ("rent_arrears", ENFORCEMENT)
MOVED_TO = ["other_rental", "relatives_or_friends", "second_hand", "municipal_housing", "unknown"]
NOTES = [
    "Hyresgästen vill ha hjälp med budgeten och återkommer efter lönen.",
    "Hyresvärden är positiv till en avbetalningsplan.",
    "Ingen öppnade vid hembesöket; lapp lämnad i dörren.",
    "Hushållet vill bo kvar och har bokat tid hos budget- och skuldrådgivningen.",
    "Ansökan om ekonomiskt bistånd för hyresskulden är inlämnad.",
    "Samtal om störningarna bokat med hyresvärden och hyresgästen.",
]


@dataclass
class CasePlan:
    """One household's case: the signal that opened it and each step after it, in order.

    A step's path is relative to the case; ``""`` is a further signal about the household."""

    threat: dict[str, Any]
    steps: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def add(self, path: str, **body: Any) -> None:
        self.steps.append((path, body | ({"recorded_by": "bosamordnare-1"} if path else {})))

    @property
    def kind(self) -> str:
        return str(self.threat["signal"]["kind"])


@dataclass
class _Applications:
    """Kronofogden's applications so far; a decision that may go either way keeps the share
    withdrawn near ``WITHDRAWN``."""

    filed: int = 0
    withdrawn: int = 0

    def withdraws(self) -> bool:
        if self.withdrawn >= WITHDRAWN * self.filed:
            return False
        self.withdrawn += 1
        return True


@dataclass
class _Days:
    """Dates that follow one another from the signal on, never past today."""

    day: date
    today: date

    def after(self, rng: random.Random, low: int, high: int) -> str:
        self.day = min(self.day + timedelta(days=rng.randint(low, high)), self.today)
        return self.day.isoformat()


def eviction_year(rng: random.Random, today: date, count: int = THREATS) -> list[CasePlan]:
    """A district's year of eviction threats, worked and mostly closed. The first executed
    eviction has children and no housing alternative, so the child alert shows."""
    numbers: set[str] = set()
    plans, executed, applications = [], 0, _Applications()
    for outcome in _outcomes(rng, count):
        if outcome == "executed":
            executed += 1
            kids = rng.randint(1, 3) if executed <= 2 else 0  # one or two evicted families
        else:
            kids = rng.choices([0, 1, 2, 3], weights=[67, 15, 11, 7])[0]
        case = _Case(rng, today, outcome, _children(rng, today, kids), _number(rng, numbers))
        plans.append(case.worked(applications, alert=outcome == "executed" and executed == 1))
    return plans


def _outcomes(rng: random.Random, count: int) -> list[str]:
    outcomes = ["executed"] * max(1, round(count * SHARES["executed"]))
    outcomes += [o for o in ("moved", "open") for _ in range(round(count * SHARES[o]))]
    outcomes += ["prevented"] * max(0, count - len(outcomes))
    rng.shuffle(outcomes)
    return outcomes[:count]


def _number(rng: random.Random, taken: set[str]) -> str:
    """A household's number, never one already used: one household is one case."""
    while (number := synthetic_number(rng, rng.randint(1950, 2004))) in taken:
        pass
    taken.add(number)
    return number


def _age(rng: random.Random, outcome: str) -> int:
    """Days since the signal: open cases are mostly recent; an execution takes months."""
    if outcome == "open":
        return rng.randint(0, 60) if rng.random() < 0.7 else rng.randint(61, 300)
    return rng.randint({"executed": 240, "moved": 30}.get(outcome, 14), 364)


class _Case:
    def __init__(
        self, rng: random.Random, today: date, outcome: str, kids: list[Any], number: str
    ) -> None:
        self.rng, self.today, self.outcome, self.alert = rng, today, outcome, False
        self.applications = _Applications()
        kind = rng.choices(SIGNALS, weights=SIGNAL_WEIGHTS)[0]
        received = today - timedelta(days=_age(rng, outcome))
        self.plan = CasePlan(_threat_body(rng, _signal(rng, kind, received), kids, number))
        self.days = _Days(received, today)

    def worked(self, applications: _Applications, *, alert: bool) -> CasePlan:
        """Contact, counselling, a note, the Enforcement Authority, and how it ended."""
        rng, plan, self.alert, self.applications = self.rng, self.plan, alert, applications
        if (self.today - self.days.day).days > 2 or rng.random() < 0.5:
            self._contact()
        if rng.random() < 0.5:
            plan.add("counselling-referrals", on=self.days.after(rng, 0, 10))
        if rng.random() < 0.6:
            plan.add("notes", text=rng.choice(NOTES))
        applied = plan.kind == ENFORCEMENT
        if not applied and (self.outcome == "executed" or rng.random() < 0.12):
            applied = True
            received = date.fromisoformat(self.days.after(rng, 14, 60))
            plan.add("", **(plan.threat | {"signal": _signal(rng, ENFORCEMENT, received)}))
        applications.filed += applied
        closers = {
            "prevented": self._prevented,
            "moved": self._moved,
            "open": self._open,
            "executed": self._executed,
        }
        closers[self.outcome](applied)
        return plan

    def _contact(self) -> None:
        """A letter or a call within days; a call and a home visit when nobody answers."""
        rng = self.rng
        first = rng.choices(["phone", "letter", "home_visit"], weights=[50, 40, 10])[0]
        for attempt, channel in enumerate([first, "phone", "home_visit"]):
            reached = rng.random() < (0.15 if channel == "letter" else 0.7)
            on = self.days.after(rng, *((1, 5) if attempt else (0, 3)))
            self.plan.add("contact-attempts", channel=channel, on=on, reached=reached)
            if reached:
                return

    def _repayment_plan(self) -> None:
        amount = self.plan.threat["signal"].get("arrears_amount") or "12000"
        agreed = self.days.after(self.rng, 5, 30)
        instalments = self.rng.randint(3, 24)
        self.plan.add("repayment-plans", amount=amount, instalments=instalments, agreed_on=agreed)

    def _decision(self, decision: str, set_date: Callable[[date], date] | None = None) -> date:
        """Kronofogden's decision; ``set_date`` gives the eviction date from the decision's."""
        decided = date.fromisoformat(self.days.after(self.rng, 10, 40))
        body: dict[str, Any] = {"decision": decision, "decided_on": decided.isoformat()}
        if set_date is not None:
            body["eviction_date"] = set_date(decided).isoformat()
        self.plan.add("enforcement-decisions", **body)
        return set_date(decided) if set_date else decided

    def _weeks_after(self, low: int, high: int) -> Callable[[date], date]:
        days = self.rng.randint(low * 7, high * 7)
        return lambda decided: decided + timedelta(days=days)

    def _prevented(self, applied: bool) -> None:
        rng, how = self.rng, self.rng.choice(["debt_paid", "landlord_withdrew"])
        if self.plan.kind in ARREARS and rng.random() < 0.45:
            self._repayment_plan()
            how = "repayment_plan"
        if applied:
            withdrawn = self.applications.withdraws()
            decision = "application_withdrawn" if withdrawn else "application_rejected"
            self._decision(decision)
            how = how if how == "repayment_plan" else decision
        self.plan.add("closure", outcome="prevented", on=self.days.after(rng, 0, 14), how=how)

    def _moved(self, applied: bool) -> None:
        if applied and self.applications.withdraws():
            self._decision("application_withdrawn")
        # An eviction date set before the case's registration (today, for this backfilled
        # year) is refused, so historic cases carry no date decision.
        on = self.days.after(self.rng, 7, 20)
        moved_to = self.rng.choices(MOVED_TO, weights=[30, 30, 20, 10, 10])[0]
        self.plan.add("closure", outcome="moved", on=on, moved_to=moved_to)

    def _open(self, applied: bool) -> None:
        if self.plan.kind in ARREARS and self.rng.random() < 0.3:
            self._repayment_plan()  # still being paid off
        if applied and self.rng.random() < 0.5:  # some within 14 days: urgent
            ahead = timedelta(days=self.rng.randint(5, 45))
            self._decision("eviction_date_set", lambda _: self.today + ahead)

    def _executed(self, applied: bool) -> None:
        """On the day set, never in the future; children get an alternative unless the case
        is the one that shows the alert."""
        last = self.today - timedelta(days=2)  # the service's clock may be a day behind ours
        on = min(date.fromisoformat(self.days.after(self.rng, 21, 56)), last)
        kids = self.plan.threat["children"]
        registered = sum(1 for c in kids if c["registered_at_address"])
        body: dict[str, Any] = {"children_registered": registered}
        body["children_not_registered"] = len(kids) - registered
        if (kids and not self.alert) or (not kids and self.rng.random() < 0.5):
            body["alternative"] = {"kind": "relatives_or_friends" if kids else "shelter_or_hostel"}
        self.plan.add("closure", outcome="executed", on=on.isoformat(), **body)

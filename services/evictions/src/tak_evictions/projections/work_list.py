"""The coordinator's work list: one row per case, most pressing first.

Fed by a ``tak_platform.follower.Follower`` on this service's own log: each batch reloads every
case it touches and upserts its row, so a row always shows the case as it now stands. The row
holds the tenant's name (the coordinator needs to see whom), so a weeded case's row is deleted:
weeding leaves no personal data in the read model, and a rebuild brings none back.

Because a row is the case as it now stands, an event may come alone or late: a case whose row
PostgreSQL refuses (a NUL in the tenant's name) has its events parked by the follower, the
other cases' rows go on, and a parked event applied again after a fix brings the row up to date.
"""

from __future__ import annotations

import asyncio
from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast
from uuid import UUID

import asyncpg
from eventsourcing.persistence import Notification

from tak_evictions.application import EvictionsApp
from tak_evictions.domain.deadlines import add_working_days
from tak_evictions.domain.eviction_case import EvictionCase
from tak_platform.follower import Conn, Follower
from tak_platform.mapper import sealed_subjects
from tak_platform.weeding import WeededAggregate

NAME = "evictions.work_list"
SCHEMA = """
CREATE TABLE IF NOT EXISTS work_list (
    case_id uuid PRIMARY KEY, district text NOT NULL, coordinator text NOT NULL,
    status text NOT NULL, tenant_name text NOT NULL, signal_kinds text[] NOT NULL,
    registered_on date NOT NULL, first_contact_due date NOT NULL,
    first_contact_attempted boolean NOT NULL, contact_reached boolean NOT NULL,
    eviction_date date, alert_open boolean NOT NULL, children_registered int NOT NULL,
    children_not_registered int NOT NULL, emergency_request_id uuid, version int NOT NULL,
    updated_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS work_list_coordinator ON work_list (coordinator, status);
"""
COLUMNS = (
    "case_id",
    "district",
    "coordinator",
    "status",
    "tenant_name",
    "signal_kinds",
    "registered_on",
    "first_contact_due",
    "first_contact_attempted",
    "contact_reached",
    "eviction_date",
    "alert_open",
    "children_registered",
    "children_not_registered",
    "emergency_request_id",
    "version",
    "updated_at",
)
"""The row's columns, in ``UPSERT``'s order."""
UPSERT = """
INSERT INTO work_list (case_id, district, coordinator, status, tenant_name, signal_kinds,
    registered_on, first_contact_due, first_contact_attempted, contact_reached, eviction_date,
    alert_open, children_registered, children_not_registered, emergency_request_id, version,
    updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
ON CONFLICT (case_id) DO UPDATE SET district = EXCLUDED.district,
    coordinator = EXCLUDED.coordinator, status = EXCLUDED.status,
    tenant_name = EXCLUDED.tenant_name, signal_kinds = EXCLUDED.signal_kinds,
    registered_on = EXCLUDED.registered_on, first_contact_due = EXCLUDED.first_contact_due,
    first_contact_attempted = EXCLUDED.first_contact_attempted,
    contact_reached = EXCLUDED.contact_reached, eviction_date = EXCLUDED.eviction_date,
    alert_open = EXCLUDED.alert_open, children_registered = EXCLUDED.children_registered,
    children_not_registered = EXCLUDED.children_not_registered,
    emergency_request_id = EXCLUDED.emergency_request_id, version = EXCLUDED.version,
    updated_at = EXCLUDED.updated_at
WHERE work_list.version <= EXCLUDED.version
"""
FILTER = """
FROM work_list
WHERE ($1::text IS NULL OR coordinator = $1)
  AND ($2::text = 'all' OR status = $2 OR ($2 = 'open' AND alert_open))
"""
URGENT_WITHIN_DAYS = 14
PRESSING = f"""
    alert_open AS alert,
    status = 'open' AND NOT first_contact_attempted AND first_contact_due < $3 AS overdue,
    coalesce(status = 'open' AND NOT contact_reached
        AND eviction_date - $3 <= {URGENT_WITHIN_DAYS}, false) AS urgent,
    eviction_date - $3 AS days_to_eviction"""
"""How pressing an open case is today (``$3``), and why; the only copy of these rules:
- alert: a child was evicted and no housing alternative is recorded yet;
- overdue: no contact attempted and the first contact's due day has passed;
- urgent: an eviction date at most ``URGENT_WITHIN_DAYS`` days away, and nobody reached."""
MOST_PRESSING_FIRST = """
ORDER BY alert DESC, overdue DESC, urgent DESC, eviction_date ASC NULLS LAST, registered_on,
    case_id"""
"""Alert, then overdue, then urgent, then the nearest eviction date (none last), then the
oldest registration."""
PAGE = f"""
SELECT case_id, district, coordinator, status, tenant_name, signal_kinds, registered_on,
    first_contact_due, first_contact_attempted, contact_reached, eviction_date,
    children_registered, children_not_registered, emergency_request_id, version, updated_at,
    {PRESSING}
{FILTER}
{MOST_PRESSING_FIRST}
LIMIT $4 OFFSET $5
"""
COUNT = "SELECT count(*)" + FILTER


@dataclass(frozen=True)
class WorkListReadModel:
    """What the work list is read from: its pool, and the follower that keeps it current."""

    pool: asyncpg.Pool
    follower: Follower


async def create_schema(conn: Conn) -> None:
    await conn.execute(SCHEMA)


def row_of(case: EvictionCase, first_contact_due: date) -> dict[str, Any]:
    """The work list's row of a case."""
    household = case.household
    return {
        "case_id": case.id,
        "district": case.district,
        "coordinator": case.coordinator,
        "status": case.status,
        "tenant_name": household.tenant.name,
        "signal_kinds": list(dict.fromkeys(s.kind for s in case.signals)),
        "registered_on": case.registered_on,
        "first_contact_due": first_contact_due,
        "first_contact_attempted": case.first_contact_attempted,
        "contact_reached": case.contact_reached,
        "eviction_date": case.eviction_date,
        "alert_open": case.alert_open,
        "children_registered": household.children_registered,
        "children_not_registered": household.children_not_registered,
        "emergency_request_id": case.emergency_request_id,
        "version": case.version,
        "updated_at": case.modified_on,
    }


@dataclass(frozen=True)
class WorkListProjection:
    """The follower's handler: each case a batch touches, loaded once, its row upserted."""

    app: EvictionsApp
    first_contact_working_days: int
    holidays: Container[date]

    async def handle(self, conn: Conn, notifications: Sequence[Notification]) -> None:
        cases = await asyncio.to_thread(self._load, notifications)
        weeded = [c.id for c in cases if isinstance(c, WeededAggregate)]
        rows = [self._row(c) for c in cases if isinstance(c, EvictionCase)]
        if weeded:
            await conn.execute("DELETE FROM work_list WHERE case_id = ANY($1::uuid[])", weeded)
        if rows:
            await conn.executemany(UPSERT, [tuple(r[c] for c in COLUMNS) for r in rows])

    def first_contact_due(self, registered_on: date) -> date:
        return add_working_days(registered_on, self.first_contact_working_days, self.holidays)

    def _row(self, case: EvictionCase) -> dict[str, Any]:
        return row_of(case, self.first_contact_due(case.registered_on))

    def _load(self, notifications: Sequence[Notification]) -> list[Any]:
        self.app.keystore.load(sealed_subjects(notifications))
        ids = dict.fromkeys(cast(UUID, n.originator_id) for n in notifications)
        return [self.app.repository.get(case_id) for case_id in ids]


async def read_page(
    conn: Conn,
    *,
    today: date,
    coordinator: str | None = None,
    status: str = "open",
    page: int = 1,
    page_size: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the work list and the number of rows in it all, most pressing first
    (``PRESSING``, ``MOST_PRESSING_FIRST``). ``status`` "open" also lists closed cases whose
    child alert is still open: they need work."""
    offset = (page - 1) * page_size
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await conn.fetch(PAGE, coordinator, status, today, page_size, offset)
        total = await conn.fetchval(COUNT, coordinator, status)
    return [dict(r) for r in rows], int(total)

"""GET /api/cases/{case_id}: the case as it stands (or stood at a version), with its history:
each event with its time, who recorded it, and what it changed."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query

from tak_evictions.dependencies import Container
from tak_evictions.domain.eviction_case import EvictionCase
from tak_platform.bounds import MAX_VERSION
from tak_platform.problems import problems

router = APIRouter(prefix="/api/cases", tags=["cases"], responses=problems(404, 410))
_META = {
    "originator_id",
    "originator_version",
    "timestamp",
    "originator_topic",
    "household_pseudonym",
    "is_test_data",
    "recorded_by",
}


@router.get("/{case_id}", summary="Get a case with its full history")
def get_case(
    case_id: UUID,
    container: Container,
    version: int | None = Query(
        default=None, ge=1, le=MAX_VERSION, description="The case as it stood at this version."
    ),
) -> dict[str, Any]:
    case = container.app.get_case(case_id, version=version)
    history = [e for e in container.app.history(case_id) if e.originator_version <= case.version]
    return _case(case) | {"history": [_event(e) for e in history]}


def _case(case: EvictionCase) -> dict[str, Any]:
    h = case.household
    return plain_dict(
        {
            "case_id": case.id,
            "version": case.version,
            "status": case.status,
            "district": case.district,
            "coordinator": case.coordinator,
            "registered_on": case.registered_on,
            "tenant": h.tenant,
            "address": h.address,
            "landlord": {"name": h.landlord_name, "contact": h.landlord_contact},
            "adults": h.adults,
            "children": h.children,
            "signals": case.signals,
            "eviction_date": case.eviction_date,
            "contact_attempts": case.contact_attempts,
            "contact_reached": case.contact_reached,
            "repayment_plans": case.repayment_plans,
            "closure": case.closure,
            "housing_alternative": case.alternative,
            "child_alert_open": case.alert_open,
            "emergency_apartment_request": case.emergency_request_id,
            "is_test_data": case.is_test_data,
        }
    )


def _event(event: Any) -> dict[str, Any]:
    changes = {k: v for k, v in vars(event).items() if k not in _META}
    return plain_dict(
        {
            "version": event.originator_version,
            "event": type(event).__name__,
            "at": event.timestamp,
            "by": getattr(event, "recorded_by", None),
            "changes": changes,
        }
    )


def plain_dict(value: dict[str, Any]) -> dict[str, Any]:
    return {k: plain(v) for k, v in value.items()}


def plain(value: Any) -> Any:
    """JSON-ready: dataclasses as dicts, dates as ISO strings, Decimals as strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value.value if isinstance(value, Enum) else value

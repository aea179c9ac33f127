"""GET /api/cases/{case_id}: one case as it stands, or as it stood at a version."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query

from tak_evictions.dependencies import Container

router = APIRouter(prefix="/api/cases", tags=["cases"])


@router.get("/{case_id}", summary="Get a case (optionally as it stood at a version)")
def get_case(
    case_id: UUID, container: Container, version: int | None = Query(default=None, ge=1)
) -> dict[str, Any]:
    case = container.app.get_case(case_id, version=version)
    return {
        "case_id": str(case.id),
        "version": case.version,
        "status": case.status,
        "district": case.district,
        "registered_by": case.registered_by,
        "tenant": {"name": case.tenant.name, "phone": case.tenant.phone},
        "address": case.address,
        "adults": case.adults,
        "children_registered": case.children_registered,
        "children_not_registered": case.children_not_registered,
        "signals": [
            {"kind": s.kind, "received_on": s.received_on.isoformat()} for s in case.signals
        ],
        "is_test_data": case.is_test_data,
    }

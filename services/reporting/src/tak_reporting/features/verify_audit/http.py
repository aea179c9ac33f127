"""GET /api/audit/verify: nothing recorded was lost or doubled on its way to reporting."""

from __future__ import annotations

from fastapi import APIRouter

from tak_reporting.dependencies import Audit
from tak_reporting.features.verify_audit.verification import Verification
from tak_reporting.features.verify_audit.verify import verify

router = APIRouter(prefix="/api", tags=["reporting"])


@router.get(
    "/audit/verify",
    summary="Check that nothing was lost or doubled: chain, stream, producers' logs",
    description="Recomputes the audit copy's hash chain; checks that every message on the "
    "stream up to reporting's position is held exactly once and no event id is on the stream "
    "twice; and, for each producer in `TAK_PRODUCERS`, that every event its log publishes is on "
    "the stream once and in the audit copy once. `valid` is false with every problem named; "
    "a part that could not be checked is left out.",
    response_model_exclude_none=True,
)
async def verify_audit(audit: Audit) -> Verification:
    found = await verify(audit.settings, audit.pool, audit.nats)
    return found.report()

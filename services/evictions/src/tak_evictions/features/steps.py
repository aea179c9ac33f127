"""What every step on a case shares: If-Match, Idempotency-Key, the answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from tak_evictions.dependencies import Container
from tak_evictions.domain.eviction_case import EvictionCase
from tak_platform.bounds import MAX_KEY_LENGTH
from tak_platform.errors import Invalid
from tak_platform.idempotency import Receipt, fingerprint, run_idempotent

IfMatch = Annotated[
    str | None,
    Header(
        max_length=40,
        description="The case version the step is based on; a stale one is refused with 409.",
    ),
]
IdempotencyKey = Annotated[
    str | None,
    Header(max_length=MAX_KEY_LENGTH, description="Retries with the same key are answered once."),
]


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recorded_by: str = Field(min_length=1, max_length=100, description="Who records the step.")


class StepOut(BaseModel):
    case_id: UUID
    version: int = Field(description="The case's version after the step.")
    position: int = Field(description="The step's position in the service's log.")


def record_step(
    container: Container,
    case_id: UUID,
    body: StepIn,
    if_match: str | None,
    idempotency_key: str | None,
    action: Callable[[EvictionCase], object],
) -> JSONResponse:
    """Apply ``action`` to the case and answer 201 with its new version and position."""
    receipt = run_idempotent(
        container.idempotency,
        idempotency_key,
        fingerprint(f"{type(body).__name__}/{case_id}", body.model_dump(mode="json")),
        lambda: container.app.step(case_id, action, expected_version=_version(if_match)),
    )
    return step_answer(case_id, receipt)


def step_answer(case_id: UUID, receipt: Receipt) -> JSONResponse:
    """The answer to a step, first time and on a replay alike."""
    out = {
        "case_id": str(case_id),
        "version": receipt.version_of(case_id),
        "position": receipt.position,
    }
    return JSONResponse(out, status_code=201)


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    try:
        return int(if_match.strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError:
        raise Invalid(
            f"If-Match {if_match!r} is not a case version",
            field="If-Match",
            fix="send the version number from the case, e.g. If-Match: 3",
        ) from None

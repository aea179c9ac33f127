"""Closing a case (prevented, moved, executed) and the housing alternative after an eviction.

An executed eviction is always recorded: it happened. With children affected and no housing
alternative, the case raises the alert ``child_eviction_without_alternative``, which stays
open until an alternative is recorded.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from tak_evictions.dependencies import Container
from tak_evictions.domain.eviction_case import EvictionCase
from tak_evictions.domain.values import AlternativeKind, HousingAlternative, MovedTo, PreventedHow
from tak_evictions.features.steps import IdempotencyKey, IfMatch, StepIn, StepOut, record_step
from tak_platform.fields import Day, Whole
from tak_platform.problems import problems

router = APIRouter(
    prefix="/api/cases/{case_id}", tags=["closing a case"], responses=problems(404, 409, 410)
)


class AlternativeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: AlternativeKind
    description: str | None = Field(default=None, max_length=2000)

    def value(self) -> HousingAlternative:
        return HousingAlternative(self.kind, self.description)


class PreventedIn(StepIn):
    outcome: Literal["prevented"]
    on: Day
    how: PreventedHow = Field(
        description="Debt paid, repayment plan, landlord withdrew, "
        "application rejected or withdrawn."
    )


class MovedIn(StepIn):
    outcome: Literal["moved"]
    on: Day
    moved_to: MovedTo


class ExecutedIn(StepIn):
    outcome: Literal["executed"]
    on: Day = Field(description="The day the eviction was carried out (not in the future).")
    children_registered: Whole = Field(
        ge=0, le=20, description="Children affected who were registered at the address."
    )
    children_not_registered: Whole = Field(
        ge=0,
        le=20,
        description="Children affected who were not registered there but have an evicted parent.",
    )
    alternative: AlternativeIn | None = Field(
        default=None, description="The housing alternative given, if any."
    )


ClosureIn = Annotated[PreventedIn | MovedIn | ExecutedIn, Field(discriminator="outcome")]


@router.post(
    "/closure",
    status_code=201,
    response_model=StepOut,
    summary="Close the case as prevented, moved or executed",
)
def close_case(
    case_id: UUID,
    body: ClosureIn,
    container: Container,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    now, by = container.now(), body.recorded_by

    def close(case: EvictionCase) -> None:
        if isinstance(body, PreventedIn):
            case.close_as_prevented(body.how, body.on, recorded_by=by, now=now)
        elif isinstance(body, MovedIn):
            case.close_as_moved(body.moved_to, body.on, recorded_by=by, now=now)
        else:
            alternative = body.alternative.value() if body.alternative else None
            case.record_execution(
                body.on,
                body.children_registered,
                body.children_not_registered,
                alternative,
                recorded_by=by,
                now=now,
            )

    return record_step(container, case_id, body, if_match, idempotency_key, close)


class HousingAlternativeIn(StepIn):
    alternative: AlternativeIn


@router.post(
    "/housing-alternative",
    status_code=201,
    response_model=StepOut,
    summary="Record the housing alternative given after an eviction",
)
def record_housing_alternative(
    case_id: UUID,
    body: HousingAlternativeIn,
    container: Container,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    now, alternative = container.now(), body.alternative.value()
    return record_step(
        container,
        case_id,
        body,
        if_match,
        idempotency_key,
        lambda c: c.record_housing_alternative(alternative, recorded_by=body.recorded_by, now=now),
    )

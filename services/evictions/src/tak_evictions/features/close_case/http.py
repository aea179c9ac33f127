"""Closing a case (prevented, moved, executed) and the housing alternative after an eviction.

An executed eviction is always recorded: it happened. With children affected and no housing
alternative, the case raises the alert ``child_eviction_without_alternative``, which stays
open until an alternative is recorded.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from tak_evictions.commands import (
    CaseStep,
    CloseAsMoved,
    CloseAsPrevented,
    CloseCase,
    RecordExecution,
    RecordHousingAlternative,
)
from tak_evictions.domain.values import AlternativeKind, HousingAlternative, MovedTo, PreventedHow
from tak_evictions.features.steps import Step, StepIn, StepOut
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

    def command(self, step: CaseStep) -> CloseCase:
        return CloseAsPrevented(step, self.how, self.on)


class MovedIn(StepIn):
    outcome: Literal["moved"]
    on: Day
    moved_to: MovedTo

    def command(self, step: CaseStep) -> CloseCase:
        return CloseAsMoved(step, self.moved_to, self.on)


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

    def command(self, step: CaseStep) -> CloseCase:
        alternative = self.alternative.value() if self.alternative else None
        return RecordExecution(
            step, self.on, self.children_registered, self.children_not_registered, alternative
        )


ClosureIn = Annotated[PreventedIn | MovedIn | ExecutedIn, Field(discriminator="outcome")]


@router.post("/closure", status_code=201, summary="Close the case as prevented, moved or executed")
async def close_case(body: ClosureIn, step: Step) -> StepOut:
    return await step.record(step.app.close_case, body.command(step.on(body)))


class HousingAlternativeIn(StepIn):
    alternative: AlternativeIn

    def command(self, step: CaseStep) -> RecordHousingAlternative:
        return RecordHousingAlternative(step, self.alternative.value())


@router.post(
    "/housing-alternative",
    status_code=201,
    summary="Record the housing alternative given after an eviction",
)
async def record_housing_alternative(body: HousingAlternativeIn, step: Step) -> StepOut:
    return await step.record(step.app.record_housing_alternative, body.command(step.on(body)))

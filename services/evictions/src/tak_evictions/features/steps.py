"""What every step on a case shares: the case the path names, who records the step and when,
``If-Match``, ``Idempotency-Key``, and the answer, which a retry gets again from its receipt."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import Depends
from pydantic import BaseModel, ConfigDict, Field

from tak_evictions.application import EvictionsApp
from tak_evictions.commands import CaseStep
from tak_evictions.dependencies import Call
from tak_platform.dependencies import ServiceCall
from tak_platform.http import ExpectedVersion
from tak_platform.idempotency import Receipt

C = TypeVar("C")


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recorded_by: str = Field(min_length=1, max_length=100, description="Who records the step.")


class StepOut(BaseModel):
    case_id: UUID
    version: int = Field(description="The case's version after the step.")
    position: int = Field(description="The step's position in the service's log.")

    @classmethod
    def of(cls, case_id: UUID, receipt: Receipt) -> StepOut:
        """The answer to a step, first time and on a replay alike."""
        return cls(case_id=case_id, version=receipt.version_of(case_id), position=receipt.position)


@dataclass(frozen=True)
class StepCall:
    """A step on the case the path names, on its way to the service layer."""

    call: ServiceCall[EvictionsApp]
    case_id: UUID
    expected_version: int | None

    @property
    def app(self) -> EvictionsApp:
        return self.call.app

    def on(self, body: StepIn) -> CaseStep:
        """The case, who records the step, now, and the version ``If-Match`` names."""
        return CaseStep(self.case_id, body.recorded_by, self.call.now, self.expected_version)

    async def record(self, use_case: Callable[[C], object], command: C) -> StepOut:
        return StepOut.of(self.case_id, await self.call.run(use_case, command))


async def step_call(case_id: UUID, call: Call, expected_version: ExpectedVersion) -> StepCall:
    return StepCall(call, case_id, expected_version)


Step = Annotated[StepCall, Depends(step_call)]
"""What a step route asks for:
``await step.record(step.app.<use case>, body.command(step.on(body)))``."""

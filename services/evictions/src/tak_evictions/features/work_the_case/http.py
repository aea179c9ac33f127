"""Working a case: contact attempts, counselling, repayment plans, the landlord, the
Enforcement Authority's decisions, notes. Each is a fact from the field and is recorded."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from tak_evictions.commands import (
    AgreeRepaymentPlan,
    AttemptContact,
    CaseStep,
    ConcludeCounselling,
    ContactLandlord,
    RecordEnforcementDecision,
    ReferToCounselling,
    WriteNote,
)
from tak_evictions.domain.values import (
    ContactAttempt,
    ContactChannel,
    CounsellingOutcome,
    EnforcementDecision,
    RepaymentPlan,
)
from tak_evictions.features.steps import Step, StepIn, StepOut
from tak_platform.fields import Day, Flag, PositiveKronor, Whole
from tak_platform.problems import problems

router = APIRouter(
    prefix="/api/cases/{case_id}", tags=["working a case"], responses=problems(404, 409, 410)
)


class ContactAttemptIn(StepIn):
    channel: ContactChannel = Field(description="Letter, phone or home visit.")
    on: Day
    reached: Flag = Field(description="Whether someone in the household was reached.")

    def command(self, step: CaseStep) -> AttemptContact:
        return AttemptContact(step, ContactAttempt(self.channel, self.on, self.reached))


@router.post("/contact-attempts", summary="Record a contact attempt", status_code=201)
async def attempt_contact(body: ContactAttemptIn, step: Step) -> StepOut:
    return await step.record(step.app.attempt_contact, body.command(step.on(body)))


class CounsellingReferralIn(StepIn):
    on: Day = Field(description="The day of the referral to budget and debt counselling.")

    def command(self, step: CaseStep) -> ReferToCounselling:
        return ReferToCounselling(step, self.on)


@router.post(
    "/counselling-referrals", summary="Refer to budget and debt counselling", status_code=201
)
async def refer_to_counselling(body: CounsellingReferralIn, step: Step) -> StepOut:
    return await step.record(step.app.refer_to_counselling, body.command(step.on(body)))


class CounsellingOutcomeIn(StepIn):
    outcome: CounsellingOutcome
    on: Day

    def command(self, step: CaseStep) -> ConcludeCounselling:
        return ConcludeCounselling(step, self.outcome, self.on)


@router.post("/counselling-outcomes", summary="Record what counselling came to", status_code=201)
async def conclude_counselling(body: CounsellingOutcomeIn, step: Step) -> StepOut:
    return await step.record(step.app.conclude_counselling, body.command(step.on(body)))


class RepaymentPlanIn(StepIn):
    amount: PositiveKronor = Field(description="The amount to repay, SEK.")
    instalments: Whole = Field(ge=1, le=120)
    agreed_on: Day

    def command(self, step: CaseStep) -> AgreeRepaymentPlan:
        return AgreeRepaymentPlan(
            step, RepaymentPlan(self.amount, self.instalments, self.agreed_on)
        )


@router.post(
    "/repayment-plans", summary="Record a repayment plan agreed with the landlord", status_code=201
)
async def agree_repayment_plan(body: RepaymentPlanIn, step: Step) -> StepOut:
    return await step.record(step.app.agree_repayment_plan, body.command(step.on(body)))


class LandlordContactIn(StepIn):
    on: Day
    summary: str = Field(min_length=1, max_length=4000, description="What was said.")

    def command(self, step: CaseStep) -> ContactLandlord:
        return ContactLandlord(step, self.on, self.summary)


@router.post("/landlord-contacts", summary="Record a contact with the landlord", status_code=201)
async def contact_landlord(body: LandlordContactIn, step: Step) -> StepOut:
    return await step.record(step.app.contact_landlord, body.command(step.on(body)))


class EnforcementDecisionIn(StepIn):
    decision: EnforcementDecision = Field(
        description="Application withdrawn or rejected, eviction date set or moved."
    )
    decided_on: Day
    eviction_date: Day | None = Field(
        default=None, description="Required when a date is set or moved."
    )

    def command(self, step: CaseStep) -> RecordEnforcementDecision:
        return RecordEnforcementDecision(step, self.decision, self.decided_on, self.eviction_date)


@router.post(
    "/enforcement-decisions",
    summary="Record a decision of the Enforcement Authority",
    status_code=201,
)
async def record_enforcement_decision(body: EnforcementDecisionIn, step: Step) -> StepOut:
    return await step.record(step.app.record_enforcement_decision, body.command(step.on(body)))


class NoteIn(StepIn):
    text: str = Field(min_length=1, max_length=20_000)

    def command(self, step: CaseStep) -> WriteNote:
        return WriteNote(step, self.text)


@router.post("/notes", summary="Write a note in the case", status_code=201)
async def write_note(body: NoteIn, step: Step) -> StepOut:
    return await step.record(step.app.write_note, body.command(step.on(body)))

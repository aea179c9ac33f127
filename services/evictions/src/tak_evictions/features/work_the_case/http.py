"""Working a case: contact attempts, counselling, repayment plans, the landlord, the
Enforcement Authority's decisions, notes. Each is a fact from the field and is recorded."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from tak_evictions.dependencies import Container
from tak_evictions.domain.values import (
    ContactAttempt,
    ContactChannel,
    CounsellingOutcome,
    EnforcementDecision,
    RepaymentPlan,
)
from tak_evictions.features.steps import IdempotencyKey, IfMatch, StepIn, StepOut, record_step
from tak_platform.fields import Day, Flag, PositiveKronor, Whole
from tak_platform.problems import problems

router = APIRouter(
    prefix="/api/cases/{case_id}", tags=["working a case"], responses=problems(404, 409, 410)
)


class ContactAttemptIn(StepIn):
    channel: ContactChannel = Field(description="Letter, phone or home visit.")
    on: Day
    reached: Flag = Field(description="Whether someone in the household was reached.")


@router.post(
    "/contact-attempts", summary="Record a contact attempt", status_code=201, response_model=StepOut
)
def attempt_contact(
    case_id: UUID,
    body: ContactAttemptIn,
    container: Container,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    now, attempt = container.now(), ContactAttempt(body.channel, body.on, body.reached)
    return record_step(
        container,
        case_id,
        body,
        if_match,
        idempotency_key,
        lambda c: c.attempt_contact(attempt, recorded_by=body.recorded_by, now=now),
    )


class CounsellingReferralIn(StepIn):
    on: Day = Field(description="The day of the referral to budget and debt counselling.")


@router.post(
    "/counselling-referrals",
    summary="Refer to budget and debt counselling",
    status_code=201,
    response_model=StepOut,
)
def refer_to_counselling(
    case_id: UUID,
    body: CounsellingReferralIn,
    container: Container,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    now = container.now()
    return record_step(
        container,
        case_id,
        body,
        if_match,
        idempotency_key,
        lambda c: c.refer_to_counselling(body.on, recorded_by=body.recorded_by, now=now),
    )


class CounsellingOutcomeIn(StepIn):
    outcome: CounsellingOutcome
    on: Day


@router.post(
    "/counselling-outcomes",
    summary="Record what counselling came to",
    status_code=201,
    response_model=StepOut,
)
def conclude_counselling(
    case_id: UUID,
    body: CounsellingOutcomeIn,
    container: Container,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    now = container.now()
    return record_step(
        container,
        case_id,
        body,
        if_match,
        idempotency_key,
        lambda c: c.conclude_counselling(
            body.outcome, body.on, recorded_by=body.recorded_by, now=now
        ),
    )


class RepaymentPlanIn(StepIn):
    amount: PositiveKronor = Field(description="The amount to repay, SEK.")
    instalments: Whole = Field(ge=1, le=120)
    agreed_on: Day


@router.post(
    "/repayment-plans",
    summary="Record a repayment plan agreed with the landlord",
    status_code=201,
    response_model=StepOut,
)
def agree_repayment_plan(
    case_id: UUID,
    body: RepaymentPlanIn,
    container: Container,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    now, plan = container.now(), RepaymentPlan(body.amount, body.instalments, body.agreed_on)
    return record_step(
        container,
        case_id,
        body,
        if_match,
        idempotency_key,
        lambda c: c.agree_repayment_plan(plan, recorded_by=body.recorded_by, now=now),
    )


class LandlordContactIn(StepIn):
    on: Day
    summary: str = Field(min_length=1, max_length=4000, description="What was said.")


@router.post(
    "/landlord-contacts",
    summary="Record a contact with the landlord",
    status_code=201,
    response_model=StepOut,
)
def contact_landlord(
    case_id: UUID,
    body: LandlordContactIn,
    container: Container,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    now = container.now()
    return record_step(
        container,
        case_id,
        body,
        if_match,
        idempotency_key,
        lambda c: c.contact_landlord(body.on, body.summary, recorded_by=body.recorded_by, now=now),
    )


class EnforcementDecisionIn(StepIn):
    decision: EnforcementDecision = Field(
        description="Application withdrawn or rejected, eviction date set or moved."
    )
    decided_on: Day
    eviction_date: Day | None = Field(
        default=None, description="Required when a date is set or moved."
    )


@router.post(
    "/enforcement-decisions",
    summary="Record a decision of the Enforcement Authority",
    status_code=201,
    response_model=StepOut,
)
def record_enforcement_decision(
    case_id: UUID,
    body: EnforcementDecisionIn,
    container: Container,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    now = container.now()
    return record_step(
        container,
        case_id,
        body,
        if_match,
        idempotency_key,
        lambda c: c.record_enforcement_decision(
            body.decision,
            body.decided_on,
            body.eviction_date,
            recorded_by=body.recorded_by,
            now=now,
        ),
    )


class NoteIn(StepIn):
    text: str = Field(min_length=1, max_length=20_000)


@router.post("/notes", summary="Write a note in the case", status_code=201, response_model=StepOut)
def write_note(
    case_id: UUID,
    body: NoteIn,
    container: Container,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    now = container.now()
    return record_step(
        container,
        case_id,
        body,
        if_match,
        idempotency_key,
        lambda c: c.write_note(body.text, recorded_by=body.recorded_by, now=now),
    )

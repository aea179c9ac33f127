"""The one shape of every refusal (4xx, and 503 while a read model catches up), and how the
OpenAPI documents it: FastAPI's own ``{"detail": [{loc, msg, type}]}`` with a ``fix``.

A refusal never carries the value that was sent: a personal identity number or a name typed
into the wrong field must not come back in an answer, a log line or a browser's cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

Loc = list[str | int]


class ProblemDetail(BaseModel):
    loc: Loc = Field(
        description="Where: `body`, `query`, `path` or `header`, then the field's path "
        "(list positions as numbers); empty when the whole request is meant."
    )
    msg: str = Field(description="What was wrong; never the value that was sent.")
    type: str = Field(description="The kind of refusal, e.g. `string_too_long`, `NotFound`.")
    fix: str | None = Field(default=None, description="How to put it right, when it can be said.")


class Problem(BaseModel):
    """Why a request was refused, field by field."""

    detail: list[ProblemDetail]


DESCRIPTIONS = {
    404: "Not found: no such record (or no such version of it)",
    409: "Conflict: a stale `If-Match`, a state that forbids the step now, "
    "or the same `Idempotency-Key` still being processed",
    410: "Gone: the record was weeded (*gallrad*); its personal data no longer exists",
    413: "The request body is larger than the service accepts (`TAK_MAX_BODY_BYTES`)",
    422: "Invalid: a field is missing, malformed, out of bounds, holds text PostgreSQL cannot "
    "store (NUL), or breaks a rule of the record; `loc` names it and `fix` says what to do",
    503: "Unavailable for a moment: retry shortly",
}


def problems(*statuses: int, notes: dict[int, str] | None = None) -> dict[int | str, Any]:
    """OpenAPI ``responses`` for these statuses, each answered with a :class:`Problem`;
    ``notes`` replace the standard description of a status where a route says more."""
    told = notes or {}
    return {s: {"model": Problem, "description": told.get(s, DESCRIPTIONS[s])} for s in statuses}


def problem_body(
    loc: Sequence[str | int], message: str, *, kind: str, fix: str | None = None
) -> dict[str, Any]:
    detail = {"loc": list(loc), "msg": message, "type": kind} | ({"fix": fix} if fix else {})
    return {"detail": [detail]}


def problem(
    status: int,
    message: str,
    *,
    loc: Sequence[str | int],
    fix: str | None = None,
    kind: str = "value_error",
) -> JSONResponse:
    """A 4xx answer in FastAPI's own shape: what was wrong, where, and how to fix it."""
    return JSONResponse(status_code=status, content=problem_body(loc, message, kind=kind, fix=fix))

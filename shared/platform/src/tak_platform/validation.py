"""422 for a request that does not match its schema: where, what was wrong, and how to fix it.

FastAPI's own answer echoes the value sent (``input``) and the validator's context (``ctx``);
for a personal identity number typed into the wrong field or a name that is too long, that is
personal data coming back in an answer. This handler gives each error's ``loc``, ``msg`` and
``type`` and a ``fix``, never the value: messages that quote it are replaced.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from tak_platform.problems import Loc

QUOTING = {
    "union_tag_invalid": "the tag is not one of {expected_tags}",
    "uuid_parsing": "Input should be a valid UUID",
    "json_invalid": "the body is not valid JSON",
}
"""Messages pydantic writes with the value in them, and what is said instead."""

FIXES = {
    "missing": "add it",
    "extra_forbidden": "leave it out: this request does not take it",
    "json_invalid": "send one JSON document, encoded as UTF-8",
    "string_type": "send text (a JSON string)",
    "string_too_short": "send at least {min_length} characters",
    "string_too_long": "shorten it to at most {max_length} characters",
    "string_pattern_mismatch": "write it to match {pattern}",
    "too_short": "send at least {min_length} items",
    "too_long": "send at most {max_length} items",
    "int_type": "send a whole number",
    "int_parsing": "send a whole number",
    "int_from_float": "send a whole number",
    "greater_than": "send a value above {gt}",
    "greater_than_equal": "send a value of at least {ge}",
    "less_than": "send a value below {lt}",
    "less_than_equal": "send a value of at most {le}",
    "decimal_parsing": 'send the amount as a number, e.g. 14500 or "14500.50"',
    "decimal_type": 'send the amount as a number, e.g. 14500 or "14500.50"',
    "decimal_max_places": "round it to {decimal_places} decimals",
    "decimal_max_digits": "send at most {max_digits} digits",
    "bool_type": "send true or false",
    "bool_parsing": "send true or false",
    "date_type": "write the date as YYYY-MM-DD",
    "date_parsing": "write the date as YYYY-MM-DD",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD",
    "date_from_datetime_inexact": "write the date as YYYY-MM-DD, without a time",
    "date_out_of_range": "send a day from {earliest} to {latest}",
    "uuid_type": "send the id as a UUID, e.g. 3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "uuid_parsing": "send the id as a UUID, e.g. 3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "enum": "use one of {expected}",
    "literal_error": "use one of {expected}",
    "union_tag_invalid": "set {discriminator} to one of {expected_tags}",
    "union_tag_not_found": "add {discriminator}, one of the expected tags",
    "model_attributes_type": "send a JSON object",
    "model_type": "send a JSON object",
    "dict_type": "send a JSON object",
    "list_type": "send a JSON array",
}
"""How to put each kind of error right, filled in from the validator's limits."""

_SHORTEST_ECHO = 3
"""Shorter inputs are not looked for in a message: "1" is in "at most 100 characters"."""


async def validation_refused(_: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"detail": [detail(e) for e in exc.errors()]}, status_code=422)


def detail(error: Mapping[str, Any]) -> dict[str, Any]:
    kind, ctx = str(error["type"]), dict(error.get("ctx") or {})
    out: dict[str, Any] = {"loc": location(error["loc"], kind), "msg": message(error), "type": kind}
    fix = _fill(FIXES.get(kind), ctx)
    return out | ({"fix": fix} if fix else {})


def location(loc: Sequence[Any], kind: str) -> Loc:
    """The field's path; a JSON syntax error names the body, not the character offset."""
    if kind == "json_invalid":
        return ["body"]
    return [p if isinstance(p, int) else str(p) for p in loc]


def message(error: Mapping[str, Any]) -> str:
    kind, msg = str(error["type"]), str(error.get("msg", ""))
    ctx = dict(error.get("ctx") or {})
    if kind in QUOTING:
        return _fill(QUOTING[kind], ctx) or QUOTING[kind]
    if any(text in msg for text in _texts(error.get("input"))):
        return "the value is not valid here"
    return msg


def _texts(value: Any) -> Iterator[str]:
    """Every string in what was sent that is long enough to be recognised in a message."""
    if isinstance(value, str):
        if len(value) >= _SHORTEST_ECHO:
            yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _texts(key)
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def _fill(template: str | None, ctx: Mapping[str, Any]) -> str | None:
    """The template with the validator's limits, or None when a limit it needs is missing."""
    if template is None:
        return None
    try:
        return template.format(**{k: v for k, v in ctx.items() if k not in {"error", "tag"}})
    except (KeyError, IndexError):
        return None

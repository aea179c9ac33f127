"""Field types for request bodies, taken as their OpenAPI schema says and nothing looser.

Pydantic's lax mode turns ``0`` or ``"yes"`` into a boolean, ``"3"`` or ``3.0`` into an integer
and a number of seconds into a date: a client that sends those has a bug, and the API should say
so (422) rather than guess. Query parameters arrive as text and stay lax; these are for bodies.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

from tak_platform.bounds import MAX_SEK

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
_WRITTEN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _written_date(value: Any) -> Any:
    if isinstance(value, date) or (isinstance(value, str) and _WRITTEN.match(value)):
        return value
    raise PydanticCustomError("date_type", "Input should be a date written YYYY-MM-DD")


def _within_years(value: date) -> date:
    if EARLIEST <= value <= LATEST:
        return value
    raise PydanticCustomError(
        "date_out_of_range",
        "Input should be a day from {earliest} to {latest}",
        {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
    )


Flag = Annotated[bool, Strict()]
"""``true`` or ``false``; never ``0``, ``1`` or ``"yes"``."""
Whole = Annotated[int, Strict()]
"""A JSON integer; never ``"3"`` or ``3.0``."""
Day = Annotated[date, BeforeValidator(_written_date), AfterValidator(_within_years)]
"""A day written ``YYYY-MM-DD``, between 1900 and 2199 (a year typed 0202 is a typo)."""


def _kronor_schema(lower: dict[str, int]) -> WithJsonSchema:
    """A JSON number, or the same written as text with at most two decimals (öre)."""
    number = {"type": "number", **lower, "maximum": MAX_SEK}
    text = {"type": "string", "pattern": r"^[0-9]{1,9}(\.[0-9]{1,2})?$"}
    return WithJsonSchema({"anyOf": [number, text]})


Kronor = Annotated[
    Decimal, Field(ge=0, le=MAX_SEK, decimal_places=2), _kronor_schema({"minimum": 0})
]
"""An amount in SEK, from 0 to ``MAX_SEK``, with at most two decimals."""
PositiveKronor = Annotated[
    Decimal, Field(gt=0, le=MAX_SEK, decimal_places=2), _kronor_schema({"exclusiveMinimum": 0})
]
"""An amount in SEK above 0 (text "0" is refused though its pattern matches)."""

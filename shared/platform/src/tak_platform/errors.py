"""The one family of errors a service raises when it refuses: each says what was wrong, which
field (a dotted path in the command, as the request names it) and how to fix it, and is of one
kind. Errors know no HTTP: ``tak_platform.http`` maps each kind to its status, once.

A service's own errors subclass one of the kinds below (``CaseAlreadyClosed(Conflict)``), so
every error a service can raise has an answer and none is a 500.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class Kind(StrEnum):
    REFUSED = "refused"
    """A rule refused the command: the request itself is wrong."""
    CONFLICT = "conflict"
    """The record's state (or a concurrent write) forbids the command now."""
    NOT_FOUND = "not_found"
    """No such record, or no such version of it."""
    WEEDED = "weeded"
    """The record was weeded (*gallrad*): its personal data no longer exists."""
    UNAVAILABLE = "unavailable"
    """Not a refusal: the service cannot answer yet (a read model catching up)."""


class TakError(Exception):
    """A refusal the caller can act on; its ``kind`` decides the answer."""

    kind: ClassVar[Kind] = Kind.REFUSED

    def __init__(self, message: str, *, field: str | None = None, fix: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        """The command's field at fault: ``signal.eviction_date``, ``If-Match``, ``id`` (the
        record the request is about); None when the whole request is meant."""
        self.fix = fix


class Invalid(TakError):
    """A rule refused the command."""

    kind = Kind.REFUSED


class Conflict(TakError):
    """A write based on a stale version, or a step that the record's state forbids now."""

    kind = Kind.CONFLICT


class NotFound(TakError):
    kind = Kind.NOT_FOUND


class Gone(TakError):
    """The record was weeded (*gallrad*): its personal data no longer exists."""

    kind = Kind.WEEDED


class Unavailable(TakError):
    """The answer is not there yet (or not on this instance): retry in a moment."""

    kind = Kind.UNAVAILABLE

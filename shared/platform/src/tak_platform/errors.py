"""Errors that every service maps to HTTP once, in its exception handlers."""

from __future__ import annotations


class TakError(Exception):
    """A refusal the caller can fix; ``status`` is the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, fix: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.fix = fix


class NotFound(TakError):
    status = 404


class Conflict(TakError):
    """A write based on a stale version, or a step that the record's state forbids now."""

    status = 409


class Invalid(TakError):
    status = 422


class Gone(TakError):
    """The record was weeded (*gallrad*): its personal data no longer exists."""

    status = 410

"""The evictions service's settings (``TAK_*``)."""

from __future__ import annotations

from pydantic import Field

from tak_platform.settings import ServiceSettings


class EvictionsSettings(ServiceSettings):
    service = "evictions"
    http_port: int = Field(default=8103, ge=0, le=65535)
    first_contact_working_days: int = Field(default=3, ge=1, le=30)
    """Working days from registration within which the first contact attempt is due."""

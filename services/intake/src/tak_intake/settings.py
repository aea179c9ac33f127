"""The intake service's settings (``TAK_*``)."""

from __future__ import annotations

from pydantic import Field

from tak_platform.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    service = "intake"
    http_port: int = Field(default=8101, ge=0, le=65535)

"""The placements service's settings (``TAK_*``)."""

from __future__ import annotations

from pydantic import Field

from tak_platform.settings import ServiceSettings


class PlacementsSettings(ServiceSettings):
    service = "placements"
    http_port: int = Field(default=8102, ge=0, le=65535)

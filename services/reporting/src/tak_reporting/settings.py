"""The reporting service's settings (``TAK_*``)."""

from __future__ import annotations

from pydantic import Field

from tak_platform.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    service = "reporting"
    http_port: int = Field(default=8104, ge=0, le=65535)
    consumer_name: str = Field(default="reporting", pattern=r"^[A-Za-z0-9_-]+$")
    """The durable JetStream consumer reporting reads the stream through."""
    batch_size: int = Field(default=500, ge=1, le=5000)
    subject_filter: str = "tak.>"
    ack_wait_seconds: float = Field(default=10.0, gt=0)
    """How long an unacknowledged batch waits before JetStream redelivers it."""
    producers: dict[str, str] = Field(default_factory=dict)
    """Producing services by name and base URL (JSON), whose logs ``tak audit verify`` checks
    against the stream and the audit copy, e.g. ``{"evictions": "http://127.0.0.1:8103"}``."""

"""One typed ``Settings`` per service, built at start-up in the composition root."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_PLACEHOLDERS = {"changeme", "change-me", "secret", "password", "xxx", "todo"}


class ServiceSettings(BaseSettings):
    """What every Tak service reads from its environment (``TAK_*``).

    Secrets have no default: a service refuses to start without them.
    """

    model_config = SettingsConfigDict(env_prefix="TAK_", extra="ignore", frozen=True)

    service: ClassVar[str]

    district: str = Field(default="norrmalm", pattern=r"^[a-z][a-z0-9_]*$")
    """The district this instance serves (its subjects carry it)."""
    nats_url: str = "nats://127.0.0.1:14222"
    """NATS server(s) to connect to; comma-separated for a cluster."""
    database_url: str | None = None
    """PostgreSQL server URL; the service uses its own database on it. None: in memory."""
    database_name: str | None = None
    """The service's database; defaults to ``tak_<service>``."""
    stream_name: str = "TAK"
    """The JetStream stream this service's subjects land in."""
    stream_subjects: list[str] = Field(default_factory=lambda: ["tak.>"])
    """What that stream captures: ``tak.>`` on one machine, ``tak.<district>.>`` on a leaf."""
    stream_replicas: int = Field(default=1, ge=1, le=5)
    """Replicas of that stream: 1 on one machine, 3 in a cluster (docs/operations.md, settings)."""
    time_zone: str = "Europe/Stockholm"
    """Where the district's days begin and end: dates of steps and deadlines are local."""
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=0, le=65535)
    pseudonym_key: SecretStr = Field(min_length=16)
    """The city key under which personal identity numbers become pseudonyms (HMAC-SHA256)."""
    key_encryption_key: SecretStr | None = None
    """Optional base64 AES key wrapping each data subject's key at rest."""
    access_log: bool = False
    """A line per HTTP request in the service's log (uvicorn's access log); off by default."""
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=64 * 1_048_576)
    """The largest request body the API reads; a larger one is answered 413 (default 1 MB)."""
    shutdown_grace_seconds: float = Field(default=10.0, gt=0)

    @field_validator("pseudonym_key")
    @classmethod
    def _not_placeholder(cls, value: SecretStr) -> SecretStr:
        if value.get_secret_value().strip().lower() in _PLACEHOLDERS:
            raise ValueError("TAK_PSEUDONYM_KEY is a placeholder: set a random secret")
        return value

    def now(self) -> datetime:
        """The service's clock, at its edge: time is passed into the domain, never read there."""
        return datetime.now(ZoneInfo(self.time_zone))

    @property
    def db_name(self) -> str:
        return self.database_name or f"tak_{self.service}"

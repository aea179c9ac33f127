"""The base of every integration event: a published, pseudonymous, coded fact."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from tak_contracts import subjects


class IntegrationEvent(BaseModel):
    """An event another service or the central office may read.

    Integration events carry pseudonyms and coded facts, never names, personal identity
    numbers, addresses or free text (docs/architecture.md, the stream and the envelope).
    Within a major version they only grow: new fields are optional, no field is removed,
    renamed or retyped. Readers ignore fields they do not know, so an older consumer reads a
    newer event.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", use_attribute_docstrings=True)

    service: ClassVar[str]
    event_name: ClassVar[str]
    major: ClassVar[int] = 1

    @classmethod
    def ce_type(cls) -> str:
        """The CloudEvents ``type`` of this event class."""
        return subjects.ce_type(cls.service, cls.event_name, cls.major)

    @classmethod
    def subject(cls, district: str) -> str:
        """The subject this event class is published on by ``district``."""
        return subjects.subject(district, cls.service, cls.event_name, cls.major)

"""CloudEvents 1.0 in NATS binary mode
(docs/architecture.md, the stream and the envelope; CloudEvents NATS binding 1.0.3).

Every context attribute travels as a ``ce-<name>`` header, percent-encoded; the body is the
event's JSON. ``Nats-Msg-Id`` equals ``ce-id`` so that JetStream drops a re-published copy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote
from uuid import UUID

from tak_contracts import subjects
from tak_contracts.base import IntegrationEvent
from tak_contracts.registry import EVENT_TYPES

SPECVERSION = "1.0"
JSON = "application/json"
MSG_ID = "Nats-Msg-Id"
_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"%')
_UNSAFE = re.compile(f"[^{re.escape(_SAFE)}]")
_REQUIRED = (
    "id",
    "source",
    "type",
    "specversion",
    "subject",
    "time",
    "datacontenttype",
    "district",
    "sequence",
)


class EnvelopeError(ValueError):
    """A message that is not a valid Tak CloudEvent; the text says which part and why."""


class UnknownEventType(EnvelopeError):
    """A valid envelope whose ``ce-type`` no contract in this version describes."""


@dataclass(frozen=True, slots=True)
class CloudEvent:
    """One event as it travels on the stream."""

    id: UUID
    """Event id, derived from the producer's notification: the same event always has it."""
    source: str
    """``/tak/<district>/<service>``: who produced it."""
    type: str
    """``se.tak.<service>.<event_name>.v<major>``: which contract the body follows."""
    subject: str
    """The id of the aggregate (case, person, apartment) the event is about; never personal data."""
    time: datetime
    """When the fact was recorded by the producer (UTC)."""
    district: str
    """The district whose service produced the event."""
    sequence: int
    """The producer's notification id: the position in its own ordered log."""
    data: bytes
    """The event's JSON body."""
    correlationid: str | None = None
    """The id tying together every event caused by one request or process."""
    causationid: str | None = None
    """The id of the command or event that directly caused this one."""
    datacontenttype: str = JSON

    def nats_subject(self) -> str:
        """The subject this event is published on."""
        service, event_name, version = self.type.removeprefix(subjects.TYPE_PREFIX + ".").split(".")
        return subjects.subject(self.district, service, event_name, int(version[1:]))

    def headers(self) -> dict[str, str]:
        """NATS headers in binary mode, with ``Nats-Msg-Id`` for dedup."""
        attrs: dict[str, str | None] = {
            "specversion": SPECVERSION,
            "id": str(self.id),
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": _iso(self.time),
            "datacontenttype": self.datacontenttype,
            "district": self.district,
            "sequence": str(self.sequence),
            "correlationid": self.correlationid,
            "causationid": self.causationid,
        }
        headers = {f"ce-{k}": _header_value(v) for k, v in attrs.items() if v is not None}
        headers[MSG_ID] = str(self.id)
        return headers

    def event(self) -> IntegrationEvent:
        """The body decoded as its contract class; raises ``EnvelopeError`` if it does not fit."""
        cls = EVENT_TYPES.get(self.type)
        if cls is None:
            raise UnknownEventType(f"ce-type {self.type!r} is not a known Tak contract")
        try:
            return cls.model_validate_json(self.data)
        except ValueError as exc:
            raise EnvelopeError(f"body does not match {self.type}: {exc}") from exc

    def data_json(self) -> dict[str, Any]:
        """The body as a JSON object."""
        try:
            value = json.loads(self.data)
        except ValueError as exc:
            raise EnvelopeError(f"body is not JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise EnvelopeError("body is not a JSON object")
        return value


def wrap(
    event: IntegrationEvent,
    *,
    id: UUID,
    district: str,
    subject: str,
    time: datetime,
    sequence: int,
    correlationid: str | None = None,
    causationid: str | None = None,
) -> CloudEvent:
    """Put an integration event into its envelope."""
    return CloudEvent(
        id=id,
        source=subjects.ce_source(district, event.service),
        type=event.ce_type(),
        subject=subject,
        time=time,
        district=district,
        sequence=sequence,
        data=event.model_dump_json().encode(),
        correlationid=correlationid,
        causationid=causationid,
    )


def from_nats(headers: Mapping[str, str] | None, body: bytes) -> CloudEvent:
    """Read a binary-mode CloudEvent from NATS headers and body; ``EnvelopeError`` if invalid."""
    attrs = {
        k.lower()[3:]: unquote(v) for k, v in (headers or {}).items() if k.lower().startswith("ce-")
    }
    missing = [name for name in _REQUIRED if not attrs.get(name)]
    if missing:
        names = ", ".join(f"ce-{name}" for name in missing)
        raise EnvelopeError(f"missing CloudEvents header(s): {names}")
    if attrs["specversion"] != SPECVERSION:
        raise EnvelopeError(f"ce-specversion {attrs['specversion']!r} is not {SPECVERSION}")
    if attrs["datacontenttype"] != JSON:
        raise EnvelopeError(f"ce-datacontenttype {attrs['datacontenttype']!r} is not {JSON}")
    try:
        return CloudEvent(
            id=UUID(attrs["id"]),
            source=attrs["source"],
            type=attrs["type"],
            subject=attrs["subject"],
            time=_parse_time(attrs["time"]),
            district=attrs["district"],
            sequence=int(attrs["sequence"]),
            data=body,
            correlationid=attrs.get("correlationid"),
            causationid=attrs.get("causationid"),
        )
    except ValueError as exc:
        raise EnvelopeError(f"malformed CloudEvents header: {exc}") from exc


def _header_value(value: str) -> str:
    """``value`` percent-encoded (``quote``); most values need none, so skip the encoder."""
    return quote(value, safe=_SAFE) if _UNSAFE.search(value) else value


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("ce-time must be timezone-aware")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"ce-time {text!r} has no time zone")
    return moment

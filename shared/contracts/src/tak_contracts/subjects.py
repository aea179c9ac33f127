"""NATS subjects and CloudEvents types of Tak (docs/architecture.md, the stream and the envelope).

A subject is ``tak.<district>.<service>.<event_name>.v<major>``; the matching ``ce-type`` is
``se.tak.<service>.<event_name>.v<major>`` and the ``ce-source`` is ``/tak/<district>/<service>``.
"""

from __future__ import annotations

import re

ROOT = "tak"
TYPE_PREFIX = "se.tak"
SERVICES = ("intake", "placements", "evictions", "reporting")

_TOKEN = re.compile(r"^[a-z][a-z0-9_]*$")


def check_token(value: str, what: str) -> str:
    """A subject token: lower-case ASCII, digits and underscores, starting with a letter."""
    if not _TOKEN.match(value):
        raise ValueError(f"{what} {value!r} must match {_TOKEN.pattern} to be a subject token")
    return value


def subject(district: str, service: str, event_name: str, major: int) -> str:
    """The subject an event is published on."""
    parts = (check_token(district, "district"), check_token(service, "service"))
    return f"{ROOT}.{parts[0]}.{parts[1]}.{check_token(event_name, 'event name')}.v{major}"


def ce_type(service: str, event_name: str, major: int) -> str:
    """The CloudEvents ``type`` of an event."""
    service, event_name = check_token(service, "service"), check_token(event_name, "event name")
    return f"{TYPE_PREFIX}.{service}.{event_name}.v{major}"


def ce_source(district: str, service: str) -> str:
    """The CloudEvents ``source`` of a district's service."""
    return f"/{ROOT}/{check_token(district, 'district')}/{check_token(service, 'service')}"


def service_filter(district: str, service: str) -> str:
    """The subject filter matching every event one district's service publishes."""
    return f"{ROOT}.{check_token(district, 'district')}.{check_token(service, 'service')}.>"


ALL_EVENTS = f"{ROOT}.>"

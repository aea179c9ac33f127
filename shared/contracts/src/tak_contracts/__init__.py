"""Tak's contracts: integration events, the CloudEvents envelope and NATS subjects."""

from tak_contracts.base import IntegrationEvent
from tak_contracts.envelope import CloudEvent, EnvelopeError, UnknownEventType, from_nats, wrap
from tak_contracts.registry import EVENT_TYPES, PUBLISHED

__all__ = [
    "EVENT_TYPES",
    "PUBLISHED",
    "CloudEvent",
    "EnvelopeError",
    "IntegrationEvent",
    "UnknownEventType",
    "from_nats",
    "wrap",
]

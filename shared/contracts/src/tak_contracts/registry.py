"""Every published integration event class, by its CloudEvents type."""

from __future__ import annotations

from tak_contracts.base import IntegrationEvent
from tak_contracts.events.evictions import EvictionThreatRegistered
from tak_contracts.events.intake import PersonRegistered
from tak_contracts.events.placements import ApartmentAssigned

PUBLISHED: tuple[type[IntegrationEvent], ...] = (
    PersonRegistered,
    EvictionThreatRegistered,
    ApartmentAssigned,
)

EVENT_TYPES: dict[str, type[IntegrationEvent]] = {cls.ce_type(): cls for cls in PUBLISHED}

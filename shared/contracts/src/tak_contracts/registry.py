"""Every published integration event class, by its CloudEvents type."""

from __future__ import annotations

from tak_contracts.base import IntegrationEvent
from tak_contracts.events.evictions import (
    ChildEvictionAlertRaised,
    ChildEvictionAlertResolved,
    EmergencyApartmentRequested,
    EvictionContactAttempted,
    EvictionCounsellingReferred,
    EvictionEnforcementDecisionRecorded,
    EvictionExecuted,
    EvictionHouseholdMoved,
    EvictionPrevented,
    EvictionRepaymentPlanAgreed,
    EvictionThreatRegistered,
)
from tak_contracts.events.intake import PersonRegistered
from tak_contracts.events.placements import ApartmentAssigned

PUBLISHED: tuple[type[IntegrationEvent], ...] = (
    PersonRegistered,
    EvictionThreatRegistered,
    EvictionContactAttempted,
    EvictionCounsellingReferred,
    EvictionRepaymentPlanAgreed,
    EvictionEnforcementDecisionRecorded,
    EvictionPrevented,
    EvictionHouseholdMoved,
    EvictionExecuted,
    ChildEvictionAlertRaised,
    ChildEvictionAlertResolved,
    EmergencyApartmentRequested,
    ApartmentAssigned,
)

EVENT_TYPES: dict[str, type[IntegrationEvent]] = {cls.ce_type(): cls for cls in PUBLISHED}

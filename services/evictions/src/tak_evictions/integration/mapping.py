"""Domain event → integration event: pseudonymous and coded, never personal data."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import singledispatch
from typing import Any

from tak_contracts.events.evictions import ArrearsBracket, EvictionThreatRegistered, SignalKind
from tak_evictions.domain.eviction_case import EvictionCase
from tak_platform.relay import Publication


@singledispatch
def to_integration(event: Any) -> Sequence[Publication]:
    """Events nobody else needs (and tombstones) publish nothing."""
    return ()


@to_integration.register
def _(event: EvictionCase.Registered) -> Sequence[Publication]:
    children = event.children
    return [
        Publication(
            EvictionThreatRegistered(
                case_id=event.originator_id,
                household_pseudonym=event.household_pseudonym,
                signal=SignalKind(event.signal.kind),
                registered_on=event.timestamp.date(),
                arrears_bracket=arrears_bracket(event.signal.arrears_amount),
                adults=event.adults,
                children_registered=sum(1 for c in children if c.registered_at_address),
                children_not_registered=sum(1 for c in children if not c.registered_at_address),
                eviction_date_set=event.signal.eviction_date is not None,
                is_test_data=event.is_test_data,
            ),
            subject_id=str(event.originator_id),
        )
    ]


def arrears_bracket(amount: Decimal | None) -> ArrearsBracket:
    """Rent arrears in SEK as the coded bracket that is published."""
    if not amount:
        return ArrearsBracket.NONE
    for limit, bracket in (
        (10_000, ArrearsBracket.UNDER_10K),
        (30_000, ArrearsBracket.FROM_10K_TO_30K),
        (60_000, ArrearsBracket.FROM_30K_TO_60K),
    ):
        if amount < limit:
            return bracket
    return ArrearsBracket.OVER_60K

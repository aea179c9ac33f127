"""What evictions publishes: coded facts, never personal data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from tak_contracts.events.evictions import ArrearsBracket
from tak_evictions.domain.eviction_case import Child, EvictionCase, Signal, Tenant
from tak_evictions.integration.mapping import arrears_bracket, to_integration


def test_a_registered_threat_publishes_counts_and_brackets_but_no_personal_data() -> None:
    case = EvictionCase.register(
        district="norrmalm",
        tenant=Tenant("Alva Testsson", "198112189876", "070-000 11 22"),
        household_pseudonym="p" * 64,
        address="Provgatan 1",
        landlord_name="Värd AB",
        landlord_contact=None,
        adults=2,
        children=[Child(2015, True), Child(2018, False), Child(2020, True)],
        signal=Signal("rent_arrears", date(2026, 11, 1), Decimal("25000"), 3),
        registered_by="bo1",
        now=datetime(2026, 11, 2, tzinfo=UTC),
    )
    [publication] = to_integration(case.collect_events()[0])
    event = publication.event.model_dump(mode="json")
    assert event["children_registered"] == 2 and event["children_not_registered"] == 1
    assert event["arrears_bracket"] == "10k_to_30k"
    text = publication.event.model_dump_json()
    for secret in ("Alva", "198112189876", "070-000", "Provgatan", "Värd"):
        assert secret not in text


def test_arrears_are_published_in_brackets() -> None:
    assert arrears_bracket(None) is ArrearsBracket.NONE
    assert arrears_bracket(Decimal("9999")) is ArrearsBracket.UNDER_10K
    assert arrears_bracket(Decimal("30000")) is ArrearsBracket.FROM_30K_TO_60K
    assert arrears_bracket(Decimal("60000")) is ArrearsBracket.OVER_60K

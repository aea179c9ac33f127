"""``EvictionCase``: one threatened tenancy (household at an address) in one district.

The housing coordinator (*bosamordnare*) learns of a tenant at risk of eviction
(*vräkning*) and works to keep them in their home (DOMAIN.md, "Eviction prevention").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate


@dataclass(frozen=True)
class Child:
    """A child in the household: Kronofogden counts registered and not registered apart."""

    birth_year: int
    registered_at_address: bool


@dataclass(frozen=True)
class Tenant:
    """The tenant: personal data, sealed under the household's key."""

    name: str
    personal_identity_number: str
    phone: str | None


@dataclass(frozen=True)
class Signal:
    """How the district learnt of the threat."""

    kind: str
    received_on: date
    arrears_amount: Decimal | None = None
    arrears_months: int | None = None
    enforcement_case_number: str | None = None
    eviction_date: date | None = None


class EvictionCase(Aggregate):
    TOPIC: ClassVar[str] = "tak.evictions:EvictionCase"

    class Created(Aggregate.Created):
        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.Created"

    class Registered(Aggregate.Created):
        """A threat was registered from a signal (*aktualiserad*)."""

        TOPIC: ClassVar[str] = "tak.evictions:EvictionCase.Registered"
        district: str
        tenant: Tenant
        household_pseudonym: str
        address: str
        landlord_name: str
        landlord_contact: str | None
        adults: int
        children: list[Child]
        signal: Signal
        registered_by: str
        is_test_data: bool

    def __init__(
        self,
        district: str,
        tenant: Tenant,
        household_pseudonym: str,
        address: str,
        landlord_name: str,
        landlord_contact: str | None,
        adults: int,
        children: list[Child],
        signal: Signal,
        registered_by: str,
        is_test_data: bool,
    ) -> None:
        self.district = district
        self.tenant = tenant
        self.household_pseudonym = household_pseudonym
        self.address = address
        self.landlord_name = landlord_name
        self.landlord_contact = landlord_contact
        self.adults = adults
        self.children = list(children)
        self.signals = [signal]
        self.registered_by = registered_by
        self.is_test_data = is_test_data
        self.status = "open"

    @classmethod
    def register(
        cls,
        *,
        district: str,
        tenant: Tenant,
        household_pseudonym: str,
        address: str,
        landlord_name: str,
        landlord_contact: str | None,
        adults: int,
        children: list[Child],
        signal: Signal,
        registered_by: str,
        now: datetime,
        is_test_data: bool = False,
    ) -> EvictionCase:
        """Open a case from a signal; an eviction date cannot lie before the signal."""
        if signal.eviction_date is not None and signal.eviction_date < signal.received_on:
            raise EvictionDateBeforeSignal(signal.eviction_date, signal.received_on)
        return cls._create(
            cls.Registered,
            id=cls.create_id(),
            timestamp=now,
            district=district,
            tenant=tenant,
            household_pseudonym=household_pseudonym,
            address=address,
            landlord_name=landlord_name,
            landlord_contact=landlord_contact,
            adults=adults,
            children=children,
            signal=signal,
            registered_by=registered_by,
            is_test_data=is_test_data,
        )

    @property
    def children_registered(self) -> int:
        return sum(1 for c in self.children if c.registered_at_address)

    @property
    def children_not_registered(self) -> int:
        return sum(1 for c in self.children if not c.registered_at_address)


class EvictionDateBeforeSignal(ValueError):
    def __init__(self, eviction_date: date, received_on: date) -> None:
        super().__init__(f"eviction date {eviction_date} lies before the signal ({received_on})")


def case_id_of(case: EvictionCase) -> UUID:
    return case.id

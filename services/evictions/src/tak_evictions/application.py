"""``EvictionsApp``: the eviction-prevention service layer, one method per use case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from tak_evictions.domain.eviction_case import Child, EvictionCase, Signal, Tenant
from tak_platform.application import TakApplication
from tak_platform.identity import normalise, pseudonym


@dataclass(frozen=True)
class RegisterThreat:
    """The command: a signal about a threatened tenancy."""

    tenant: Tenant
    address: str
    landlord_name: str
    landlord_contact: str | None
    adults: int
    children: list[Child]
    signal: Signal
    registered_by: str
    is_test_data: bool


class EvictionsApp(TakApplication):
    name = "Evictions"
    value_types: ClassVar[dict[str, type[Any]]] = {
        "evictions.tenant": Tenant,
        "evictions.child": Child,
        "evictions.signal": Signal,
    }

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        district: str = "norrmalm",
        pseudonym_key: str = "",
    ) -> None:
        super().__init__(env)
        self.district = district
        self._pseudonym_key = pseudonym_key

    def register_threat(self, command: RegisterThreat, *, now: datetime) -> tuple[UUID, int]:
        """Open a case for the household; returns its id and the log position."""
        number = normalise(command.tenant.personal_identity_number, today=now.date())
        tenant = Tenant(command.tenant.name, number, command.tenant.phone)
        case = EvictionCase.register(
            district=self.district,
            tenant=tenant,
            household_pseudonym=pseudonym(number, self._pseudonym_key),
            address=command.address,
            landlord_name=command.landlord_name,
            landlord_contact=command.landlord_contact,
            adults=command.adults,
            children=command.children,
            signal=command.signal,
            registered_by=command.registered_by,
            now=now,
            is_test_data=command.is_test_data,
        )
        return case.id, self.save_or_conflict(case)

    def get_case(self, case_id: UUID, *, version: int | None = None) -> EvictionCase:
        return self.load(case_id, EvictionCase, version=version)

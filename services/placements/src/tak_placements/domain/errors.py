"""The rules an apartment refuses to break; each names the field and how to fix it (kinds in
``tak_platform.errors``)."""

from __future__ import annotations

from uuid import UUID

from tak_platform.errors import Conflict


class ApartmentOccupied(Conflict):
    def __init__(self, apartment_id: UUID) -> None:
        super().__init__(
            f"apartment {apartment_id} is already occupied",
            field="id",
            fix="choose a vacant apartment",
        )

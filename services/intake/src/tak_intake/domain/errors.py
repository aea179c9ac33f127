"""The rules a registration refuses to break; each names the field and how to fix it
(kinds in ``tak_platform.errors``)."""

from __future__ import annotations

from tak_platform.errors import Invalid


class UnknownSituation(Invalid):
    def __init__(self, situation: int) -> None:
        super().__init__(
            f"situation {situation} is not one of Socialstyrelsen's 1–4",
            field="situation",
            fix="give the situation as a number from 1 to 4, or leave it out",
        )

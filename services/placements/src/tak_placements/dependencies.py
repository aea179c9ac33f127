"""What a request handler may ask for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from tak_placements.application import PlacementsApp
from tak_platform.dependencies import Services, services_of

Container = Annotated[Services[PlacementsApp], Depends(services_of)]

"""What a request handler may ask for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from tak_evictions.application import EvictionsApp
from tak_platform.dependencies import Services, services_of

Container = Annotated[Services[EvictionsApp], Depends(services_of)]

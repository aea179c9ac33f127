"""What a request handler may ask for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from tak_evictions.application import EvictionsApp
from tak_platform.dependencies import ServiceCall, Services, service_call, services_of

AppServices = Annotated[Services[EvictionsApp], Depends(services_of)]
"""The application and the clock, for a query."""
Call = Annotated[ServiceCall[EvictionsApp], Depends(service_call)]
"""A command on its way to ``EvictionsApp``, with its ``Idempotency-Key``."""

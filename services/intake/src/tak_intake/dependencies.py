"""What a request handler may ask for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from tak_intake.application import IntakeApp
from tak_platform.dependencies import ServiceCall, Services, service_call, services_of

AppServices = Annotated[Services[IntakeApp], Depends(services_of)]
"""The application and the clock, for a query."""
Call = Annotated[ServiceCall[IntakeApp], Depends(service_call)]
"""A command on its way to ``IntakeApp``, with its ``Idempotency-Key``."""

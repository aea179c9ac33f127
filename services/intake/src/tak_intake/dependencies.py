"""What a request handler may ask for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from tak_intake.application import IntakeApp
from tak_platform.dependencies import Services, services_of

Container = Annotated[Services[IntakeApp], Depends(services_of)]

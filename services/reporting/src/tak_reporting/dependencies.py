"""What a request handler may ask for: reporting's database, and what the audit reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from nats.aio.client import Client

from tak_reporting.settings import ReportingSettings


async def _pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.pool
    return pool


Pool = Annotated[asyncpg.Pool, Depends(_pool)]
"""Reporting's read models, audit copy and dead letters (PostgreSQL)."""


@dataclass(frozen=True)
class AuditSources:
    """What ``tak audit verify`` reads: reporting's tables, the producers named in the settings,
    and the stream through the service's one NATS connection (None until it is up)."""

    settings: ReportingSettings
    pool: asyncpg.Pool
    nats: Client | None


async def _audit_sources(request: Request, pool: Pool) -> AuditSources:
    state = request.app.state
    return AuditSources(state.settings, pool, state.runtime.nats)


Audit = Annotated[AuditSources, Depends(_audit_sources)]

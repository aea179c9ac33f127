"""Running one service process: its settings, its app, uvicorn with graceful shutdown."""

from __future__ import annotations

import logging

import uvicorn
from fastapi import FastAPI

from tak_platform.settings import ServiceSettings


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Serve until SIGTERM/SIGINT, then finish in-flight requests and drain the workers."""
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s {settings.service} %(levelname)s %(name)s %(message)s",
    )
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_level="info",
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
    )

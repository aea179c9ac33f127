"""Running one service process: its settings, its app, uvicorn with graceful shutdown.

uvicorn runs on uvloop (where it exists: not on Windows) with the httptools parser, and writes
no line per request unless ``TAK_ACCESS_LOG`` is on: on two cores the pure-Python defaults
cost more per command than the command's own database work."""

from __future__ import annotations

import importlib.util
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
        access_log=settings.access_log,
        loop="uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        http="httptools",
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
    )

"""Each service's own database on a PostgreSQL server: its URL, created at start-up if missing."""

from __future__ import annotations

import contextlib
from urllib.parse import quote, urlsplit

import psycopg
from psycopg import sql

__all__ = ["create_database", "database_url", "drop_database"]


def database_url(server_url: str, name: str) -> str:
    """``server_url`` with its database replaced by ``name`` (host/port query params kept)."""
    parts = urlsplit(server_url)
    # Keep the other params verbatim: libpq does not decode "+" as a space, parse_qsl would.
    params = [p for p in parts.query.split("&") if p and not p.startswith("dbname=")]
    url = f"{parts.scheme}://{parts.netloc}/{quote(name, safe='')}"
    if params:
        url += "?" + "&".join(params)
    return url + (f"#{parts.fragment}" if parts.fragment else "")


def create_database(server_url: str, name: str) -> str:
    """Create database ``name`` unless it exists; returns its URL."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # lost a race: fine
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` if it exists, disconnecting its sessions."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

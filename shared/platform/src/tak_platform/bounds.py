"""Upper bounds the services' APIs put on numbers and keys, so that no value a client sends
reaches PostgreSQL out of its range (a 500) or asks for more than any real case needs."""

from __future__ import annotations

MAX_VERSION = 1_000_000
"""A record's version, as asked for with ``?version=``: far beyond any real case's history."""
MAX_POSITION = 2**63 - 1
"""A position in a service's log (PostgreSQL ``bigint``)."""
MAX_PAGE = 10_000
"""A page number: with at most 200 rows a page, two million rows, and an offset well inside
PostgreSQL's ``bigint``."""
MAX_KEY_LENGTH = 200
"""An ``Idempotency-Key``: a UUID is 36 characters; PostgreSQL's index on the stored key holds
at most about 2,700 bytes."""
MAX_SEK = 100_000_000
"""An amount of money in kronor (rent arrears, a repayment plan): far beyond any household's
debt; amounts carry at most two decimals (öre)."""

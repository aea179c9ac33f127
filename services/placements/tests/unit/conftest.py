from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tak_placements.bootstrap import create_app
from tak_placements.settings import PlacementsSettings

KEY = "k" * 32
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


@pytest.fixture
def client() -> Iterator[TestClient]:
    settings = PlacementsSettings(pseudonym_key=KEY)
    with TestClient(create_app(settings, now=lambda: NOW)) as client:
        yield client

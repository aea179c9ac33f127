from __future__ import annotations

from collections.abc import Iterator

import pytest

from .suite import RunningSuite, started_suite


@pytest.fixture
def suite() -> Iterator[RunningSuite]:
    yield from started_suite()

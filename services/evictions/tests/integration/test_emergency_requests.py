"""The emergency-request index on real PostgreSQL: a request leads to its case by an indexed
read; a miss is believed only once the index has followed the log as it stood when asked."""

from __future__ import annotations

import asyncio
import random
from uuid import uuid4

import pytest

from tak_evictions.application import EvictionsApp
from tak_evictions.projections.emergency_requests import (
    NAME,
    EmergencyRequestsBehind,
    EmergencyRequestsReadModel,
)
from tak_platform.identity import synthetic_number

from .conftest import evicted_family

pytestmark = pytest.mark.integration


async def test_a_request_leads_to_the_case_that_made_it(
    evictions: EvictionsApp, requests_index: EmergencyRequestsReadModel
) -> None:
    case_id, request_id = evicted_family(evictions)
    await requests_index.follower.catch_up()
    assert await requests_index.case_of(request_id) == case_id


async def test_a_request_saved_a_moment_before_is_found_once_the_index_catches_up(
    evictions: EvictionsApp, requests_index: EmergencyRequestsReadModel
) -> None:
    case_id, request_id = evicted_family(evictions)
    stop = asyncio.Event()
    lookup = asyncio.create_task(requests_index.case_of(request_id, wait=10))
    await asyncio.sleep(0.1)
    assert not lookup.done(), "a miss waits for the index instead of answering"
    following = asyncio.create_task(requests_index.follower.run(stop))
    try:
        assert await lookup == case_id
    finally:
        stop.set()
        await following


async def test_while_the_index_is_behind_a_miss_is_not_taken_for_a_request_of_no_case(
    evictions: EvictionsApp, requests_index: EmergencyRequestsReadModel
) -> None:
    _, request_id = evicted_family(evictions)
    with pytest.raises(EmergencyRequestsBehind):
        await requests_index.case_of(request_id, wait=0.2)


async def test_a_request_no_case_made_is_none_once_the_index_has_read_the_whole_log(
    evictions: EvictionsApp, requests_index: EmergencyRequestsReadModel
) -> None:
    evicted_family(evictions)
    await requests_index.follower.catch_up()
    assert await requests_index.case_of(uuid4(), wait=0.2) is None


async def test_a_weeded_cases_request_leaves_the_index_and_a_rebuild_brings_it_not_back(
    evictions: EvictionsApp, requests_index: EmergencyRequestsReadModel
) -> None:
    kept, kept_request = evicted_family(evictions)
    other = synthetic_number(random.Random(3), 1979)
    weeded, weeded_request = evicted_family(evictions, number=other)
    await requests_index.follower.catch_up()
    evictions.weed(subject_id=weeded, aggregate_ids=[weeded], reason="gallring: five years")
    await requests_index.follower.catch_up()
    assert await requests_index.case_of(weeded_request) is None
    await requests_index.pool.execute(
        "TRUNCATE emergency_requests;"
        f" UPDATE projection_position SET notification_id = 0 WHERE name = '{NAME}'"
    )
    await requests_index.follower.prepare()
    await requests_index.follower.catch_up()
    assert await requests_index.case_of(weeded_request) is None
    assert await requests_index.case_of(kept_request) == kept

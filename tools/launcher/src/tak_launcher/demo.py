"""``tak demo``: synthetic demo data through the services' own HTTP APIs.

Each service builds its own bodies (``tak_<service>.demo``); this posts them, each with an
``Idempotency-Key`` derived from the seed.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import httpx

from tak_evictions.demo import THREATS, CasePlan, eviction_year
from tak_intake.demo import person
from tak_placements.demo import apartment, assignment


def fill(
    urls: dict[str, str],
    *,
    seed: int = 2026,
    count: int = 12,
    threats: int = THREATS,
    today: date | None = None,
) -> dict[str, int]:
    """Post synthetic records to each producing service; returns how many each answered
    (evictions: threats and steps; placements: apartments and assignments).

    The same seed posts the same records with the same ``Idempotency-Key``s, so running it
    twice records nothing twice; on a later day (other dates, so other requests under the
    same keys) what was posted before is skipped.
    """
    rng, today = random.Random(seed), today or date.today()
    year = eviction_year(random.Random(f"{seed}/evictions"), today, threats)
    counts = {"evictions": 0, "intake": 0, "placements": 0}
    with httpx.Client(timeout=10.0) as client:
        for i, case in enumerate(year):
            counts["evictions"] += _post_case(client, urls["evictions"], case, f"demo-{seed}-e{i}")
        for i in range(count):
            key = f"demo-{seed}-{i}"
            counts["intake"] += _posted(
                client, f"{urls['intake']}/api/persons", person(rng), f"{key}-person"
            )
            flat = _post(
                client, f"{urls['placements']}/api/apartments", apartment(rng), f"{key}-apartment"
            )
            if flat is not None:
                counts["placements"] += 1 + _assign(client, urls, flat, rng, today, key)
    return counts


def _post_case(client: httpx.Client, url: str, case: CasePlan, key: str) -> int:
    """Register the threat, then each step in order; how many were answered."""
    opened = _post(client, f"{url}/api/cases", case.threat, f"{key}-threat")
    if opened is None:
        return 0
    cases = f"{url}/api/cases/{opened['case_id']}"
    paths = [(f"{cases}/{path}" if path else f"{url}/api/cases", body) for path, body in case.steps]
    return 1 + sum(_posted(client, to, body, f"{key}-{j}") for j, (to, body) in enumerate(paths))


def _assign(
    client: httpx.Client,
    urls: dict[str, str],
    flat: dict[str, Any],
    rng: random.Random,
    today: date,
    key: str,
) -> int:
    if rng.random() < 0.3:
        return 0
    url = f"{urls['placements']}/api/apartments/{flat['apartment_id']}/assignments"
    return _posted(client, url, assignment(rng, today), f"{key}-assignment")


def _posted(client: httpx.Client, url: str, body: dict[str, Any], key: str) -> int:
    return int(_post(client, url, body, key) is not None)


def _post(client: httpx.Client, url: str, body: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The answer; None if an earlier run used the key for another request (other dates)."""
    response = client.post(url, json=body, headers={"Idempotency-Key": key})
    if response.status_code == 422 and _key_used(response):
        return None
    if response.status_code >= 400:
        raise RuntimeError(f"POST {url} answered {response.status_code}: {response.text}")
    out: dict[str, Any] = response.json()
    return out


def _key_used(response: httpx.Response) -> bool:
    detail = response.json().get("detail")
    return isinstance(detail, list) and any(d.get("loc") == ["Idempotency-Key"] for d in detail)

"""``tak demo``: synthetic demo data through the services' own HTTP APIs.

Every person is invented: names from a short list, personal identity numbers generated with a
valid check digit, and every record flagged ``is_test_data``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import httpx

from tak_platform.identity import synthetic_number

FIRST = ["Alva", "Nils", "Saga", "Omar", "Elsa", "Hugo", "Maja", "Liam", "Wilma", "Adam"]
LAST = ["Testsson", "Demodotter", "Exempelberg", "Provlund", "Fiktivsson"]
STREETS = ["Provgatan", "Exempelvägen", "Testbacken", "Demogränd"]
LANDLORDS = ["Stadens Bostäder AB (demo)", "Privatvärd Demo HB", "Allmännyttan Test AB"]
SIGNALS = [
    "rent_arrears",
    "notice_of_termination",
    "enforcement_application",
    "disturbance",
    "other",
]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def threat(rng: random.Random, today: date) -> dict[str, Any]:
    kind = rng.choices(SIGNALS, weights=[45, 25, 20, 7, 3])[0]
    children = [
        {
            "birth_year": today.year - rng.randint(1, 17),
            "registered_at_address": rng.random() < 0.55,
        }
        for _ in range(rng.choices([0, 1, 2, 3], weights=[65, 15, 12, 8])[0])
    ]
    received = today - timedelta(days=rng.randint(0, 60))
    signal: dict[str, Any] = {"kind": kind, "received_on": received.isoformat()}
    if kind in ("rent_arrears", "enforcement_application"):
        signal |= {
            "arrears_amount": str(rng.randrange(3_000, 90_000, 500)),
            "arrears_months": rng.randint(1, 6),
        }
    return {
        "tenant": {
            "name": _name(rng),
            "personal_identity_number": synthetic_number(rng, rng.randint(1950, 2004)),
            "phone": f"070-000 {rng.randint(10, 99)} {rng.randint(10, 99)}",
        },
        "address": f"{rng.choice(STREETS)} {rng.randint(1, 80)}",
        "landlord_name": rng.choice(LANDLORDS),
        "adults": rng.choice([1, 1, 2]),
        "children": children,
        "signal": signal,
        "registered_by": "bosamordnare-1",
        "is_test_data": True,
    }


def person(rng: random.Random) -> dict[str, Any]:
    groups = rng.sample(
        [
            "acute_homeless",
            "long_term_homeless",
            "families_with_children",
            "complex_care_needs",
            "young_adults",
            "elderly",
        ],
        k=rng.randint(1, 2),
    )
    return {
        "name": _name(rng),
        "personal_identity_number": synthetic_number(rng, rng.randint(1950, 2005)),
        "gender": rng.choice(["female", "male"]),
        "target_groups": groups,
        "situation": rng.choice([1, 2, 3, 4]),
        "registered_by": "handlaggare-1",
        "is_test_data": True,
    }


def apartment(rng: random.Random) -> dict[str, Any]:
    kind = rng.choices(
        ["training", "trial", "social_psychiatry", "emergency"], weights=[34, 18, 21, 2]
    )[0]
    return {
        "kind": kind,
        "address": f"{rng.choice(STREETS)} {rng.randint(1, 80)}",
        "added_by": "bosamordnare-2",
        "is_test_data": True,
    }


def fill(
    urls: dict[str, str], *, seed: int = 2026, count: int = 12, today: date | None = None
) -> dict[str, int]:
    """Post synthetic records to each producing service; returns how many per service.

    The same seed posts the same records with the same ``Idempotency-Key``s, so running it
    twice records nothing twice.
    """
    rng, today = random.Random(seed), today or date.today()
    counts = {"evictions": 0, "intake": 0, "placements": 0}
    with httpx.Client(timeout=10.0) as client:
        for i in range(count):
            key = f"demo-{seed}-{i}"
            _post(client, f"{urls['evictions']}/api/cases", threat(rng, today), f"{key}-threat")
            _post(client, f"{urls['intake']}/api/persons", person(rng), f"{key}-person")
            flat = _post(
                client, f"{urls['placements']}/api/apartments", apartment(rng), f"{key}-apartment"
            )
            counts["evictions"] += 1
            counts["intake"] += 1
            counts["placements"] += 1 + _assign(client, urls, flat, rng, today, key)
    return counts


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
    body = {
        "personal_identity_number": synthetic_number(rng, rng.randint(1950, 2005)),
        "assigned_on": (today - timedelta(days=rng.randint(0, 400))).isoformat(),
        "assigned_by": "bosamordnare-2",
        "is_test_data": True,
    }
    url = f"{urls['placements']}/api/apartments/{flat['apartment_id']}/assignments"
    _post(client, url, body, f"{key}-assignment")
    return 1


def _post(client: httpx.Client, url: str, body: dict[str, Any], key: str) -> dict[str, Any]:
    response = client.post(url, json=body, headers={"Idempotency-Key": key})
    if response.status_code >= 400:
        raise RuntimeError(f"POST {url} answered {response.status_code}: {response.text}")
    out: dict[str, Any] = response.json()
    return out

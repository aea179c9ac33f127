"""Invented people and places for demo and test data: no name or street here is a real one.

Every record built from them is flagged ``is_test_data``; numbers come from
:func:`tak_platform.identity.synthetic_number`.
"""

from __future__ import annotations

import random

FIRST = ["Alva", "Nils", "Saga", "Omar", "Elsa", "Hugo", "Maja", "Liam", "Wilma", "Adam"]
LAST = ["Testsson", "Demodotter", "Exempelberg", "Provlund", "Fiktivsson"]
STREETS = ["Provgatan", "Exempelvägen", "Testbacken", "Demogränd"]


def name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def street_address(rng: random.Random) -> str:
    return f"{rng.choice(STREETS)} {rng.randint(1, 80)}"

"""Personal identity numbers (*personnummer*) and the pseudonyms derived from them.

A number is ``YYYYMMDD-NNNC`` (10- or 12-digit forms accepted); ``C`` is the Luhn check digit
over ``YYMMDDNNN``. Coordination numbers (*samordningsnummer*) add 60 to the day. The
pseudonym is an HMAC-SHA256 of the 12-digit form under the city key: the same person is the
same pseudonym in every district, and nobody without the key can reverse it
(docs/architecture.md, the stream and the envelope).
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from datetime import date

from tak_platform.errors import Invalid

_FORM = re.compile(r"^(\d{2})?(\d{6})[-+]?(\d{4})$")
API_PATTERN = r"^(\d{2})?\d{6}[-+ ]?\d{4}$"
"""The forms an API takes (its OpenAPI ``pattern``): 10 or 12 digits, a ``-``, ``+`` or space."""
API_MAX_LENGTH = 13


class InvalidIdentityNumber(Invalid):
    """A personal identity number that is malformed or whose check digit is wrong; ``field``
    names where the command carries it."""


def luhn_digit(nine: str) -> int:
    """The Luhn check digit of the nine digits ``YYMMDDNNN``."""
    total = 0
    for i, ch in enumerate(nine):
        product = int(ch) * (2 - i % 2)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def normalise(number: str, *, today: date, field: str = "personal_identity_number") -> str:
    """The 12-digit form ``YYYYMMDDNNNC``; raises ``InvalidIdentityNumber`` with the reason."""
    match = _FORM.match(number.strip().replace(" ", ""))
    if not match:
        raise _invalid("write it as YYYYMMDD-NNNN (12 digits) or YYMMDD-NNNN", field)
    century, body, tail = match.groups()
    if luhn_digit(body + tail[:3]) != int(tail[3]):
        raise _invalid("the check digit (last digit) is wrong: check the number", field)
    full = (century or _century(body, plus="+" in number, today=today)) + body + tail
    if not _is_birth_date(full):
        raise _invalid("its first digits are not a valid date of birth", field)
    return full


def _invalid(reason: str, field: str) -> InvalidIdentityNumber:
    return InvalidIdentityNumber(reason, field=field, fix="check the number on the ID document")


def _century(body: str, *, plus: bool, today: date) -> str:
    year = today.year - (100 if plus else 0)
    candidate = (year // 100) * 100 + int(body[:2])
    return str(candidate // 100 if candidate <= year else candidate // 100 - 1)


def _is_birth_date(full: str) -> bool:
    """Coordination numbers (*samordningsnummer*) add 60 to the day."""
    day = int(full[6:8])
    day = day - 60 if day > 60 else day
    try:
        date(int(full[:4]), int(full[4:6]), day)
    except ValueError:
        return False
    return True


def pseudonym(number_12: str, city_key: str) -> str:
    """The keyed, irreversible pseudonym of a normalised personal identity number."""
    return hmac.new(city_key.encode(), number_12.encode(), hashlib.sha256).hexdigest()


def synthetic_number(rng: random.Random, birth_year: int) -> str:
    """A synthetic 12-digit number with a valid check digit; always flag it as test data."""
    born = date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
    nine = born.strftime("%y%m%d") + f"{rng.randint(0, 999):03d}"
    return born.strftime("%Y") + nine[2:] + str(luhn_digit(nine))

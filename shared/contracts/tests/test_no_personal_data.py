"""Integration events carry pseudonyms and coded facts, never names, personal identity numbers,
addresses or free text (docs/architecture.md, the stream and the envelope). These rules read
the contracts' JSON Schemas, so nested models are covered too."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from tak_contracts import PUBLISHED, IntegrationEvent
from tak_contracts.schema import event_schema

DENIED_FRAGMENTS = (
    "name",
    "personal_identity_number",
    "identity_number",
    "personnummer",
    "phone",
    "mobile",
    "email",
    "address",
    "street",
    "postal",
    "zip",
    "note",
    "comment",
    "text",
    "description",
)
"""Parts of a field name that hint at personal data or free text."""

CODED = ("enum", "const", "format", "pattern")
"""A string is coded when one of these constrains it; otherwise it must be a pseudonym."""


def _properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every property of the event and of its nested models, by dotted name."""
    found = dict(schema.get("properties", {}))
    for owner, definition in schema.get("$defs", {}).items():
        found |= {
            f"{owner}.{name}": prop for name, prop in definition.get("properties", {}).items()
        }
    return found


def _denied(schema: dict[str, Any]) -> list[str]:
    return [
        name
        for name in _properties(schema)
        if any(fragment in name.rsplit(".", 1)[-1].lower() for fragment in DENIED_FRAGMENTS)
    ]


def _uncoded_strings(schema: dict[str, Any]) -> list[str]:
    uncoded = []
    for name, prop in _properties(schema).items():
        alternatives = [prop, prop.get("items", {}), *prop.get("anyOf", [])]
        loose = any(
            alt.get("type") == "string" and not any(k in alt for k in CODED) for alt in alternatives
        )
        if loose and not name.endswith("_pseudonym"):
            uncoded.append(name)
    return uncoded


@pytest.mark.parametrize("cls", PUBLISHED, ids=lambda cls: cls.ce_type())
def test_no_event_has_a_field_named_like_personal_data(cls: type[IntegrationEvent]) -> None:
    assert _denied(event_schema(cls)) == [], (
        f"{cls.__name__}: integration events carry pseudonyms and coded facts only"
    )


@pytest.mark.parametrize("cls", PUBLISHED, ids=lambda cls: cls.ce_type())
def test_every_string_field_is_coded_or_a_pseudonym(cls: type[IntegrationEvent]) -> None:
    assert _uncoded_strings(event_schema(cls)) == [], (
        f"{cls.__name__}: a plain string can carry free text; use an enum, a UUID, a date or a "
        "pattern, or name the field *_pseudonym if it is the keyed HMAC of an identity"
    )


class _Leaky(BaseModel):
    person_name: str
    home_address: str
    phone_number: str
    free_text_note: str
    personnummer: str
    person_pseudonym: str


class _Wrapper(BaseModel):
    inner: _Leaky
    comment: list[str]


def test_the_rules_catch_personal_data_and_free_text() -> None:
    schema = _Wrapper.model_json_schema()

    assert _denied(schema) == [
        "comment",
        "_Leaky.person_name",
        "_Leaky.home_address",
        "_Leaky.phone_number",
        "_Leaky.free_text_note",
        "_Leaky.personnummer",
    ]
    assert _uncoded_strings(schema) == [
        "comment",
        "_Leaky.person_name",
        "_Leaky.home_address",
        "_Leaky.phone_number",
        "_Leaky.free_text_note",
        "_Leaky.personnummer",
    ]

"""The checked-in JSON Schemas and AsyncAPI document, and the additive-only rule
(docs/architecture.md, the stream and the envelope)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker
from pydantic import BaseModel, ConfigDict, Field, create_model

from tak_contracts import PUBLISHED, IntegrationEvent, wrap
from tak_contracts import schema as gen
from tak_contracts.registry import EVENT_TYPES

CONTRACTS = Path(__file__).resolve().parents[1]
SCHEMAS = CONTRACTS / "schemas"
BASELINES = CONTRACTS / "published"
ASYNCAPI_SCHEMA = Path(__file__).with_name("asyncapi-3.0.0-schema.json")
REGENERATE = "run `python3 -m uv run python -m tak_contracts.schema` in the repo root"


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _asyncapi() -> dict[str, Any]:
    return gen.asyncapi_document()


# --- the checked-in files ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(gen.generated_files()))
def test_checked_in_schema_is_what_the_contracts_generate(name: str) -> None:
    path = SCHEMAS / name
    assert path.exists(), f"{path} is missing: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == gen.generated_files()[name], (
        f"{path} is out of date: {REGENERATE}"
    )


def test_no_stale_schema_is_checked_in() -> None:
    stale = gen.stale_files(SCHEMAS, gen.generated_files())
    assert not stale, f"no published event produces {stale}: {REGENERATE}"


def test_check_mode_finds_nothing_to_change() -> None:
    assert gen.check(SCHEMAS, BASELINES) == [], REGENERATE


def test_generation_is_deterministic() -> None:
    assert gen.generated_files() == gen.generated_files()
    assert gen.asyncapi_document(tuple(reversed(PUBLISHED))) == _asyncapi()


# --- published baselines -------------------------------------------------------------------


@pytest.mark.parametrize("cls", PUBLISHED, ids=lambda cls: cls.ce_type())
def test_every_event_has_a_published_baseline(cls: type[IntegrationEvent]) -> None:
    assert (BASELINES / f"{cls.ce_type()}.json").exists(), (
        f"{cls.ce_type()} has no baseline in {BASELINES}: {REGENERATE} and commit it"
    )


@pytest.mark.parametrize("cls", PUBLISHED, ids=lambda cls: cls.ce_type())
def test_current_contract_is_an_additive_extension_of_its_baseline(
    cls: type[IntegrationEvent],
) -> None:
    baseline = _load(BASELINES / f"{cls.ce_type()}.json")
    reasons = gen.breaking_changes(baseline, gen.event_schema(cls))
    assert reasons == [], (
        f"{cls.__name__} changed in a way readers of {cls.ce_type()} cannot follow: {reasons}. "
        f"Undo it, or publish a new class with major={cls.major + 1} (a new subject)"
    )


def test_every_baseline_is_still_published() -> None:
    retired = [p.name for p in BASELINES.glob("*.json") if p.stem not in EVENT_TYPES]
    assert retired == [], f"the stream still holds these events; keep their classes: {retired}"


def test_generator_creates_a_missing_baseline_and_never_overwrites_one(tmp_path: Path) -> None:
    first, kept = PUBLISHED[0].ce_type(), {"type": "object", "properties": {"gone": {}}}
    (tmp_path / "published").mkdir()
    (tmp_path / "published" / f"{first}.json").write_text(json.dumps(kept))

    status = gen.main(
        ["--out", str(tmp_path / "schemas"), "--published", str(tmp_path / "published")]
    )

    assert status == 1, "the doctored baseline is a break"
    assert _load(tmp_path / "published" / f"{first}.json") == kept
    for cls in PUBLISHED[1:]:
        assert _load(tmp_path / "published" / f"{cls.ce_type()}.json") == gen.event_schema(cls)
    assert sorted(p.name for p in (tmp_path / "schemas").iterdir()) == sorted(gen.generated_files())


def test_check_mode_lists_missing_files_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = gen.main(["--check", "--out", str(tmp_path / "s"), "--published", str(tmp_path / "p")])

    assert status == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 's' / gen.ASYNCAPI_FILE}: missing" in err
    assert f"{PUBLISHED[0].ce_type()}.json: no published baseline" in err
    assert not (tmp_path / "s").exists()


# --- the event schemas ---------------------------------------------------------------------


@pytest.mark.parametrize("cls", PUBLISHED, ids=lambda cls: cls.ce_type())
def test_event_schema_names_its_ce_type_and_subject(cls: type[IntegrationEvent]) -> None:
    schema = gen.event_schema(cls)
    assert schema["$id"] == schema["title"] == schema["x-tak-ce-type"] == cls.ce_type()
    assert schema["x-tak-subject"].replace("{district}", "norrmalm") == cls.subject("norrmalm")


def test_example_validates_against_its_event_schema(event: IntegrationEvent) -> None:
    schema = gen.event_schema(type(event))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    validator.validate(event.model_dump(mode="json"))


def _undocumented(schema: dict[str, Any]) -> list[str]:
    """Properties (of the event and of nested models) and definitions with no description."""
    missing = [
        f"$defs.{name}" for name, d in schema.get("$defs", {}).items() if not d.get("description")
    ]
    for owner, node in [("", schema), *schema.get("$defs", {}).items()]:
        prefix = f"{owner}." if owner else ""
        missing += [
            prefix + name
            for name, prop in node.get("properties", {}).items()
            if not prop.get("description")
        ]
    return missing


@pytest.mark.parametrize("cls", PUBLISHED, ids=lambda cls: cls.ce_type())
def test_every_field_of_every_event_has_a_description(cls: type[IntegrationEvent]) -> None:
    schema = gen.event_schema(cls)
    assert schema["description"], f"{cls.__name__} needs a docstring"
    assert _undocumented(schema) == [], (
        f"{cls.__name__}: give these a docstring right below the field"
    )


class Inner(BaseModel):
    """Documented."""

    model_config = ConfigDict(use_attribute_docstrings=True)
    code: int


class Outer(BaseModel):
    """Documented."""

    model_config = ConfigDict(use_attribute_docstrings=True)
    inner: Inner
    """The inner part."""
    bare: int


def test_description_check_catches_an_undocumented_field() -> None:
    assert _undocumented(Outer.model_json_schema()) == ["bare", "Inner.code"]


# --- AsyncAPI ------------------------------------------------------------------------------


def test_asyncapi_document_is_valid_asyncapi_3_0_0() -> None:
    validator = Draft7Validator(_load(ASYNCAPI_SCHEMA))
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(_asyncapi())
    ]
    assert errors == []


def test_asyncapi_validation_rejects_an_invalid_document() -> None:
    doc = _asyncapi()
    next(iter(doc["operations"].values()))["action"] = "publish"
    assert not Draft7Validator(_load(ASYNCAPI_SCHEMA)).is_valid(doc)


def test_asyncapi_has_one_channel_and_send_operation_per_event() -> None:
    doc = _asyncapi()
    addresses = {channel["address"] for channel in doc["channels"].values()}
    assert addresses == {gen.subject_pattern(cls) for cls in PUBLISHED}
    assert all(ch["parameters"].keys() == {"district"} for ch in doc["channels"].values())
    assert len(doc["operations"]) == len(PUBLISHED)
    assert {op["action"] for op in doc["operations"].values()} == {"send"}


def test_asyncapi_refs_all_resolve() -> None:
    doc = _asyncapi()
    refs: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            refs.extend([node["$ref"]] if "$ref" in node else [])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(doc)
    for ref in refs:
        target: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            assert part in target, f"{ref} does not resolve"
            target = target[part]


def test_asyncapi_message_describes_the_real_headers_and_body(event: IntegrationEvent) -> None:
    doc = _asyncapi()
    message = doc["components"]["messages"][type(event).__name__]
    envelope = wrap(
        event,
        id=UUID(int=7),
        district="norrmalm",
        subject="agg-1",
        time=datetime(2025, 3, 14, 9, 30, tzinfo=UTC),
        sequence=42,
        correlationid="corr ö",
        causationid="cause-1",
    )
    for part, instance in (("headers", envelope.headers()), ("payload", envelope.data_json())):
        schema = {"components": doc["components"], "$ref": "#/x"} | {"x": message[part]}
        Draft7Validator(schema, format_checker=FormatChecker()).validate(instance)


def test_headers_schema_lists_exactly_the_envelope_headers(event: IntegrationEvent) -> None:
    args: dict[str, Any] = {
        "id": UUID(int=1),
        "district": "norrmalm",
        "subject": "agg-1",
        "time": datetime(2025, 1, 1, tzinfo=UTC),
        "sequence": 1,
    }
    bare = wrap(event, **args).headers()
    full = wrap(event, **args, correlationid="c", causationid="d").headers()
    schema = gen.headers_schema()
    assert set(schema["required"]) == set(bare)
    assert set(schema["properties"]) == set(full)


# --- breaking_changes ----------------------------------------------------------------------


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


class FewerColours(StrEnum):
    RED = "red"


class MoreColours(StrEnum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Place(BaseModel):
    district: str
    floor: int


class SmallerPlace(BaseModel):
    district: str


class V1(BaseModel):
    id: UUID
    count: int = Field(ge=0)
    colour: Colour
    place: Place
    note_code: str | None = None


def _schema(**changes: Any) -> dict[str, Any]:
    """V1's schema with fields replaced (``name=(type, default)``) or removed (``name=None``)."""
    fields: dict[str, Any] = {}
    for name, info in V1.model_fields.items():
        fields[name] = (info.annotation, info)
    for name, change in changes.items():
        if change is None:
            fields.pop(name)
        else:
            fields[name] = change
    model = create_model("V1", **fields)
    return model.model_json_schema()


V1_SCHEMA = V1.model_json_schema()


def test_identical_schemas_have_no_breaking_change() -> None:
    assert gen.breaking_changes(V1_SCHEMA, _schema()) == []


def test_adding_an_optional_field_is_additive() -> None:
    current = _schema(extra=(int | None, None))
    assert gen.breaking_changes(V1_SCHEMA, current) == []
    assert gen.compare(V1_SCHEMA, current).notes == ["extra: optional property added"]


def test_removing_a_field_is_breaking() -> None:
    assert gen.breaking_changes(V1_SCHEMA, _schema(count=None)) == ["count: property removed"]


def test_retyping_a_field_is_breaking() -> None:
    assert gen.breaking_changes(V1_SCHEMA, _schema(count=(str, ...))) == [
        "count: type changed from integer to string"
    ]


def test_changing_a_format_is_breaking() -> None:
    assert gen.breaking_changes(V1_SCHEMA, _schema(id=(str, ...))) == [
        "id: format changed from 'uuid' to None"
    ]


def test_changing_a_constraint_is_breaking() -> None:
    assert gen.breaking_changes(V1_SCHEMA, _schema(count=(int, Field(ge=1)))) == [
        "count: minimum changed from 0 to 1"
    ]


def test_a_new_required_field_is_breaking() -> None:
    assert gen.breaking_changes(V1_SCHEMA, _schema(extra=(int, ...))) == [
        "extra: new required property"
    ]


def test_an_optional_field_becoming_required_is_breaking() -> None:
    assert gen.breaking_changes(V1_SCHEMA, _schema(note_code=(str | None, ...))) == [
        "note_code: optional property became required"
    ]


def test_a_required_field_becoming_nullable_is_breaking() -> None:
    reasons = gen.breaking_changes(V1_SCHEMA, _schema(count=(int | None, None)))
    assert "count: type changed from integer to integer|null" in reasons
    assert any(r.startswith("count: required property became optional") for r in reasons)


def test_removing_an_enum_value_is_breaking() -> None:
    assert gen.breaking_changes(V1_SCHEMA, _schema(colour=(FewerColours, ...))) == [
        "colour: enum values removed: ['green']"
    ]


def test_adding_an_enum_value_is_additive_with_a_note() -> None:
    comparison = gen.compare(V1_SCHEMA, _schema(colour=(MoreColours, ...)))
    assert comparison.breaking == []
    assert any("enum values added: ['blue']" in note for note in comparison.notes)


def test_a_change_inside_a_referenced_model_is_found() -> None:
    assert "$ref" in V1_SCHEMA["properties"]["place"]
    assert gen.breaking_changes(V1_SCHEMA, _schema(place=(SmallerPlace, ...))) == [
        "place.floor: property removed"
    ]


def test_a_change_inside_a_list_is_found() -> None:
    published = _schema(tags=(list[int], []))
    assert gen.breaking_changes(published, _schema(tags=(list[str], []))) == [
        "tags[]: type changed from integer to string"
    ]


def test_a_recursive_model_is_compared_without_looping() -> None:
    class Node(BaseModel):
        children: list[Node] = []

    schema = Node.model_json_schema()
    assert gen.breaking_changes(schema, schema) == []

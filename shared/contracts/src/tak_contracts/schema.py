"""JSON Schemas and an AsyncAPI document of Tak's integration events
(docs/architecture.md, the stream and the envelope).

``python -m tak_contracts.schema`` writes ``shared/contracts/schemas/`` (one JSON Schema per
published event, named by its ce-type, and ``asyncapi.json``) and creates the baseline
``shared/contracts/published/<ce-type>.json`` of any event that has none yet. A baseline is the
schema as first published and is never overwritten: the current schema must stay an additive
extension of it (``breaking_changes``), because the stream keeps every event for ever, so
readers of the new version replay old events and readers of the old version see new ones.
``--check`` writes nothing and exits 1 naming every file that differs and every break.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from tak_contracts import subjects
from tak_contracts.base import IntegrationEvent
from tak_contracts.envelope import JSON, MSG_ID, SPECVERSION
from tak_contracts.registry import PUBLISHED

Schema = dict[str, Any]

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
ASYNCAPI_FILE = "asyncapi.json"
HEADERS_SCHEMA = "CloudEventHeaders"
SEGMENT = "[a-z][a-z0-9_]*"
"""A district, service or event name in a subject (``subjects.check_token``)."""
_CONTRACTS_DIR = Path(__file__).resolve().parents[2]
_REGENERATE = "python3 -m uv run python -m tak_contracts.schema"


def subject_pattern(cls: type[IntegrationEvent]) -> str:
    """The subject of ``cls`` with the district left as the parameter ``{district}``."""
    return f"{subjects.ROOT}.{{district}}.{cls.service}.{cls.event_name}.v{cls.major}"


def event_schema(cls: type[IntegrationEvent]) -> Schema:
    """The JSON Schema (draft 2020-12) of one event's body, identified by its ce-type."""
    generated = cls.model_json_schema(mode="validation")
    head: Schema = {
        "$schema": DRAFT_2020_12,
        "$id": cls.ce_type(),
        "title": cls.ce_type(),
        "description": generated.pop("description", ""),
        "x-tak-ce-type": cls.ce_type(),
        "x-tak-subject": subject_pattern(cls),
        "x-tak-service": cls.service,
        "x-tak-major": cls.major,
    }
    generated.pop("title", None)
    return head | generated


# --- AsyncAPI ------------------------------------------------------------------------------

_HEADERS: dict[str, Schema] = {
    "ce-specversion": {"const": SPECVERSION, "description": "CloudEvents version."},
    "ce-id": {
        "format": "uuid",
        "description": "The event id, derived from the producer's "
        "notification: a re-published event keeps it, and consumers dedup by it.",
    },
    "ce-source": {
        "pattern": f"^/tak/{SEGMENT}/{SEGMENT}$",
        "description": "`/tak/<district>/<service>`: who produced the event.",
    },
    "ce-type": {
        "pattern": rf"^se\.tak\.{SEGMENT}\.{SEGMENT}\.v[0-9]+$",
        "description": "`se.tak.<service>.<event_name>.v<major>`: the contract the body follows.",
    },
    "ce-subject": {
        "description": "The id of the aggregate the event is about; never personal data."
    },
    "ce-time": {
        "format": "date-time",
        "description": "When the producer recorded the fact (RFC 3339, UTC).",
    },
    "ce-datacontenttype": {"const": JSON, "description": "The body is the event's JSON."},
    "ce-district": {"pattern": f"^{SEGMENT}$", "description": "The producing district."},
    "ce-correlationid": {
        "description": "Ties together every event caused by one request or process."
    },
    "ce-causationid": {"description": "The id of the command or event that caused this one."},
    "ce-sequence": {
        "pattern": "^[0-9]+$",
        "description": "The producer's notification id: "
        "the event's position in the producer's own ordered log.",
    },
    MSG_ID: {
        "format": "uuid",
        "description": "Equals `ce-id`, so that JetStream drops a copy "
        "re-published within the duplicate window.",
    },
}
_OPTIONAL_HEADERS = ("ce-correlationid", "ce-causationid")


def headers_schema() -> Schema:
    """The NATS headers of a Tak CloudEvent in binary mode."""
    return {
        "type": "object",
        "description": "CloudEvents 1.0 context attributes as NATS headers (binary mode). "
        'Values are percent-encoded: `%`, `"` and every byte outside printable '
        "ASCII is written as `%XX` of its UTF-8.",
        "properties": {name: {"type": "string"} | spec for name, spec in _HEADERS.items()},
        "required": [name for name in _HEADERS if name not in _OPTIONAL_HEADERS],
    }


def asyncapi_document(events: Sequence[type[IntegrationEvent]] = PUBLISHED) -> Schema:
    """An AsyncAPI 3.0.0 document: one channel, message and ``send`` operation per event."""
    ordered = sorted(events, key=lambda cls: cls.ce_type())
    refs, top = models_json_schema(
        [(cls, "validation") for cls in ordered], ref_template="#/components/schemas/{model}"
    )
    schemas: Schema = {name: _draft07(s) for name, s in top.get("$defs", {}).items()}
    if HEADERS_SCHEMA in schemas:
        raise ValueError(f"a contract may not be called {HEADERS_SCHEMA}")
    schemas[HEADERS_SCHEMA] = headers_schema()
    doc: Schema = {
        "asyncapi": "3.0.0",
        "info": _info(),
        "defaultContentType": JSON,
        "servers": {"local": _SERVER},
        "channels": {},
        "operations": {},
        "components": {"messages": {}, "schemas": schemas},
    }
    for cls in ordered:
        channel, name = _channel_id(cls), cls.__name__
        doc["channels"][channel] = _channel(cls, name)
        doc["operations"][f"send-{channel}"] = _operation(cls, channel, name)
        doc["components"]["messages"][name] = _message(cls, refs[(cls, "validation")])
    return doc


_SERVER: Schema = {
    "host": "127.0.0.1:14222",
    "protocol": "nats",
    "title": "NATS JetStream",
    "description": "The server `tak up` runs on one machine; deployments set `TAK_NATS_URL`. "
    "The stream `TAK` captures `tak.>` with no age limit and a duplicate "
    "window of 2 minutes.",
}


def _info() -> Schema:
    try:
        version = metadata.version("tak-contracts")
    except metadata.PackageNotFoundError:
        version = "0.0.0"
    return {
        "title": "Tak",
        "version": version,
        "description": "Integration events of Tak's district services, as CloudEvents 1.0 in "
        "NATS binary mode. They carry pseudonyms and coded facts, never names, "
        "personal identity numbers, addresses or free text. Contracts are "
        "additive within a major version; a breaking change is a new class "
        "and subject.",
        "license": {"name": "AGPL-3.0-or-later"},
    }


def _channel_id(cls: type[IntegrationEvent]) -> str:
    return f"{cls.service}-{cls.event_name}-v{cls.major}"


def _channel(cls: type[IntegrationEvent], name: str) -> Schema:
    return {
        "address": subject_pattern(cls),
        "title": cls.ce_type(),
        "description": _doc(cls),
        "parameters": {
            "district": {
                "description": f"The producing district, a subject token `{SEGMENT}` "
                "(e.g. `norrmalm`).",
                "examples": ["norrmalm"],
                "location": "$message.header#/ce-district",
            }
        },
        "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        "tags": [{"name": cls.service}],
    }


def _operation(cls: type[IntegrationEvent], channel: str, name: str) -> Schema:
    return {
        "action": "send",
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": [{"$ref": f"#/channels/{channel}/messages/{name}"}],
        "title": f"{cls.service} publishes {name}",
        "summary": f"Each district's {cls.service} service publishes {cls.ce_type()}.",
        "tags": [{"name": cls.service}],
    }


def _message(cls: type[IntegrationEvent], payload_ref: Schema) -> Schema:
    return {
        "name": cls.__name__,
        "title": cls.ce_type(),
        "summary": _doc(cls),
        "contentType": JSON,
        "headers": {
            "type": "object",
            "allOf": [{"$ref": f"#/components/schemas/{HEADERS_SCHEMA}"}],
            "properties": {
                "ce-type": {"const": cls.ce_type()},
                "ce-source": {"pattern": f"^/tak/{SEGMENT}/{cls.service}$"},
            },
        },
        "payload": payload_ref,
        "correlationId": {
            "location": "$message.header#/ce-correlationid",
            "description": _HEADERS["ce-correlationid"]["description"],
        },
        "tags": [{"name": cls.service}],
        "x-tak-ce-type": cls.ce_type(),
    }


def _doc(cls: type[IntegrationEvent]) -> str:
    return inspect.cleandoc(cls.__doc__ or "")


def _draft07(node: Any) -> Any:
    """AsyncAPI schemas follow draft 07, where keywords beside ``$ref`` are ignored."""
    if isinstance(node, list):
        return [_draft07(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _draft07(value) for key, value in node.items()}
    if "$ref" in node and len(node) > 1:
        return {"allOf": [{"$ref": node.pop("$ref")}], **node}
    return node


# --- Compatibility -------------------------------------------------------------------------

_EXACT = (
    "format",
    "const",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
)


@dataclass
class Comparison:
    """How a current schema differs from its published baseline."""

    published: Schema
    current: Schema
    breaking: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _seen: set[tuple[str, str]] = field(default_factory=set, init=False, repr=False)

    def node(self, path: str, old: Schema, new: Schema) -> None:
        refs = (old.get("$ref", ""), new.get("$ref", ""))
        if refs != ("", "") and refs in self._seen:
            return
        self._seen.add(refs)
        old_alts = _alternatives(old, self.published)
        new_alts = _alternatives(new, self.current)
        if old_alts.keys() != new_alts.keys():
            self.breaking.append(
                f"{path or '(root)'}: type changed from {'|'.join(old_alts)} to "
                f"{'|'.join(new_alts)}"
            )
            return
        for kind, old_alt in old_alts.items():
            self.single(path, old_alt, new_alts[kind])

    def single(self, path: str, old: Schema, new: Schema) -> None:
        for key in _EXACT:
            if old.get(key) != new.get(key):
                self.breaking.append(
                    f"{path}: {key} changed from {old.get(key)!r} to {new.get(key)!r}"
                )
        self.enum(path, old, new)
        if old.get("default") != new.get("default"):
            self.notes.append(
                f"{path}: default changed from {old.get('default')!r} to {new.get('default')!r}"
            )
        if "properties" in old or "properties" in new:
            self.properties(path, old, new)
        for key, suffix in (("items", "[]"), ("additionalProperties", "{*}")):
            self.nested(path, suffix, key, old.get(key), new.get(key))
        old_prefix, new_prefix = old.get("prefixItems", []), new.get("prefixItems", [])
        if len(old_prefix) != len(new_prefix):
            self.breaking.append(f"{path}: tuple length changed")
        for index, (a, b) in enumerate(zip(old_prefix, new_prefix, strict=False)):
            self.node(f"{path}[{index}]", a, b)

    def enum(self, path: str, old: Schema, new: Schema) -> None:
        if ("enum" in old) != ("enum" in new):
            change = "added" if "enum" in new else "removed"
            self.breaking.append(f"{path}: enum constraint {change}")
            return
        old_values, new_values = old.get("enum", []), new.get("enum", [])
        if removed := [v for v in old_values if v not in new_values]:
            self.breaking.append(f"{path}: enum values removed: {removed!r}")
        if added := [v for v in new_values if v not in old_values]:
            self.notes.append(
                f"{path}: enum values added: {added!r}; a reader of the older "
                "version must tolerate values it does not know"
            )

    def properties(self, path: str, old: Schema, new: Schema) -> None:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
        prefix = f"{path}." if path else ""
        for name, old_prop in old_props.items():
            if name not in new_props:
                self.breaking.append(f"{prefix}{name}: property removed")
                continue
            if name not in old_req and name in new_req:
                self.breaking.append(f"{prefix}{name}: optional property became required")
            if name in old_req and name not in new_req:
                self.breaking.append(
                    f"{prefix}{name}: required property became optional; "
                    "readers of the published version rely on it"
                )
            self.node(prefix + name, old_prop, new_props[name])
        for name in [name for name in new_props if name not in old_props]:
            if name in new_req:
                self.breaking.append(f"{prefix}{name}: new required property")
            else:
                self.notes.append(f"{prefix}{name}: optional property added")

    def nested(self, path: str, suffix: str, key: str, old: Any, new: Any) -> None:
        if isinstance(old, dict) and isinstance(new, dict):
            self.node(path + suffix, old, new)
        elif old != new:
            self.breaking.append(f"{path or '(root)'}: {key} changed from {old!r} to {new!r}")


def compare(published: Schema, current: Schema) -> Comparison:
    """Compare a current event schema with its published baseline."""
    result = Comparison(published, current)
    result.node("", published, current)
    return result


def breaking_changes(published: Schema, current: Schema) -> list[str]:
    """Why ``current`` is not an additive extension of ``published``; empty if it is."""
    return compare(published, current).breaking


def _resolve(schema: Schema, root: Schema) -> Schema:
    """``schema`` with its ``$ref`` (a JSON pointer into ``root``) and one-item allOf merged in."""
    seen: set[str] = set()
    while (ref := schema.get("$ref")) or len(schema.get("allOf", [])) == 1:
        rest = {k: v for k, v in schema.items() if k not in ("$ref", "allOf")}
        if ref is None:
            schema = schema["allOf"][0] | rest
            continue
        if ref in seen or not ref.startswith("#/"):
            raise ValueError(f"cannot resolve $ref {ref!r}")
        seen.add(ref)
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        schema = target | rest
    return schema


def _alternatives(schema: Schema, root: Schema) -> dict[str, Schema]:
    """The schema's alternatives (anyOf/oneOf/type lists) by kind: ``integer``, ``null``..."""
    schema = _resolve(schema, root)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        rest = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
        found: dict[str, Schema] = {}
        for branch in branches:
            for kind, alt in _alternatives(branch | rest, root).items():
                found[kind if kind not in found else f"{kind}#{len(found)}"] = alt
        return dict(sorted(found.items()))
    kinds = schema.get("type", "any")
    if isinstance(kinds, str):
        return {kinds: schema}
    return {kind: schema | {"type": kind} for kind in sorted(kinds)}


# --- Files ---------------------------------------------------------------------------------


def render(document: Schema) -> str:
    """The checked-in text of a schema: stable, readable, UTF-8."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def generated_files(events: Sequence[type[IntegrationEvent]] = PUBLISHED) -> dict[str, str]:
    """Every file of the schemas folder, by name."""
    files = {f"{cls.ce_type()}.json": render(event_schema(cls)) for cls in events}
    files[ASYNCAPI_FILE] = render(asyncapi_document(events))
    return dict(sorted(files.items()))


def stale_files(out: Path, expected: dict[str, str]) -> list[Path]:
    """Schema files in ``out`` that no published event produces any more."""
    return sorted(p for p in out.glob("*.json") if p.name not in expected)


def review(
    published_dir: Path, events: Sequence[type[IntegrationEvent]] = PUBLISHED
) -> tuple[list[str], list[str]]:
    """Breaks and additive changes of every contract against its published baseline.

    A baseline whose contract is no longer published is a break too: the stream keeps its
    events, and a reader replaying them needs the class.
    """
    current = {cls.ce_type(): event_schema(cls) for cls in events}
    problems: list[str] = []
    notes: list[str] = []
    for path in sorted(published_dir.glob("*.json")):
        ce_type = path.name.removesuffix(".json")
        if ce_type not in current:
            problems.append(
                f"{path}: {ce_type} is no longer published, but the stream keeps "
                "its events; keep its class in tak_contracts.registry"
            )
            continue
        result = compare(json.loads(path.read_text(encoding="utf-8")), current[ce_type])
        problems += [f"{ce_type}: {reason}" for reason in result.breaking]
        notes += [f"{ce_type}: {note}" for note in result.notes]
    return problems, notes


def check(out: Path, published_dir: Path) -> list[str]:
    """Every generated file that differs from ``out``, missing baselines and breaks."""
    expected = generated_files()
    problems = [
        f"{out / name}: {'differs' if (out / name).exists() else 'missing'}"
        for name, text in expected.items()
        if _read(out / name) != text
    ]
    problems += [
        f"{path}: stale, no published event produces it" for path in stale_files(out, expected)
    ]
    problems += [
        f"{published_dir / name}: no published baseline"
        for name in expected
        if name != ASYNCAPI_FILE and not (published_dir / name).exists()
    ]
    return problems + review(published_dir)[0]


def write(out: Path, published_dir: Path) -> list[str]:
    """Write the schemas and any missing baseline; return the breaks that remain."""
    expected = generated_files()
    out.mkdir(parents=True, exist_ok=True)
    published_dir.mkdir(parents=True, exist_ok=True)
    for name, text in expected.items():
        if _read(out / name) != text:
            (out / name).write_text(text, encoding="utf-8")
            print(f"wrote {out / name}")
        baseline = published_dir / name
        if name != ASYNCAPI_FILE and not baseline.exists():
            baseline.write_text(text, encoding="utf-8")
            print(f"published baseline {baseline}")
    for path in stale_files(out, expected):
        path.unlink()
        print(f"removed {path}")
    problems, notes = review(published_dir)
    for note in notes:
        print(f"additive: {note}")
    return problems


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the schemas, or with ``--check`` only compare them."""
    parser = argparse.ArgumentParser(
        prog="python -m tak_contracts.schema",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on a diff")
    parser.add_argument("--out", type=Path, default=_CONTRACTS_DIR / "schemas")
    parser.add_argument("--published", type=Path, default=_CONTRACTS_DIR / "published")
    args = parser.parse_args(argv)
    problems = check(args.out, args.published) if args.check else write(args.out, args.published)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems and args.check:
        print(
            f"run `{_REGENERATE}` to regenerate; a break needs a new major version", file=sys.stderr
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""CloudEvents 1.0 in NATS binary mode, and the subjects events travel on
(docs/architecture.md, the stream and the envelope)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest

from tak_contracts import (
    CloudEvent,
    EnvelopeError,
    IntegrationEvent,
    UnknownEventType,
    from_nats,
    subjects,
)
from tak_contracts import wrap as wrap_event
from tak_contracts.envelope import MSG_ID

EVENT_ID = UUID("5f0c6d1e-2b3a-5c4d-8e9f-0a1b2c3d4e5f")
RECORDED = datetime(2025, 3, 14, 9, 30, 15, 123456, tzinfo=UTC)
REQUIRED_HEADERS = (
    "ce-specversion",
    "ce-id",
    "ce-source",
    "ce-type",
    "ce-subject",
    "ce-time",
    "ce-datacontenttype",
    "ce-district",
    "ce-sequence",
)


def wrap(event: IntegrationEvent, **overrides: Any) -> CloudEvent:
    args: dict[str, Any] = {
        "id": EVENT_ID,
        "district": "norrmalm",
        "subject": "agg-1",
        "time": RECORDED,
        "sequence": 42,
        "correlationid": "corr-1",
        "causationid": "cause-1",
    }
    return wrap_event(event, **(args | overrides))


def over_the_wire(envelope: CloudEvent) -> CloudEvent:
    return from_nats(envelope.headers(), envelope.data)


def test_every_event_round_trips_through_the_envelope(event: IntegrationEvent) -> None:
    envelope = wrap(event)

    received = over_the_wire(envelope)

    assert received == envelope
    assert received.event() == event
    assert type(received.event()) is type(event)


def test_headers_carry_the_context_attributes(event: IntegrationEvent) -> None:
    headers = wrap(event).headers()

    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-type"] == event.ce_type()
    assert headers["ce-source"] == f"/tak/norrmalm/{event.service}"
    assert headers["ce-time"] == "2025-03-14T09:30:15.123456Z"
    assert headers["ce-datacontenttype"] == "application/json"
    assert headers["ce-sequence"] == "42"


def test_nats_msg_id_equals_ce_id(event: IntegrationEvent) -> None:
    headers = wrap(event).headers()

    assert headers[MSG_ID] == headers["ce-id"] == str(EVENT_ID)


def test_non_ascii_header_values_are_percent_encoded_and_round_trip(
    event: IntegrationEvent,
) -> None:
    envelope = wrap(event, correlationid="ärende ö 1", causationid='say "100%"')

    headers = envelope.headers()

    assert headers["ce-correlationid"] == "%C3%A4rende%20%C3%B6%201"
    assert headers["ce-causationid"] == "say%20%22100%25%22"
    assert all(re.fullmatch(r"[\x21-\x7e]+", value) for value in headers.values())
    assert over_the_wire(envelope).correlationid == "ärende ö 1"
    assert over_the_wire(envelope).causationid == 'say "100%"'


def test_time_in_another_zone_travels_as_utc(event: IntegrationEvent) -> None:
    stockholm = RECORDED.astimezone(timezone(timedelta(hours=1)))

    envelope = wrap(event, time=stockholm)

    assert envelope.headers()["ce-time"].endswith("Z")
    assert over_the_wire(envelope).time == RECORDED


def test_a_naive_time_is_refused(event: IntegrationEvent) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        wrap(event, time=datetime(2025, 3, 14, 9, 30)).headers()


def test_optional_attributes_may_be_absent(event: IntegrationEvent) -> None:
    envelope = wrap(event, correlationid=None, causationid=None)

    assert "ce-correlationid" not in envelope.headers()
    assert over_the_wire(envelope).correlationid is None


def test_header_names_are_read_case_insensitively(event: IntegrationEvent) -> None:
    envelope = wrap(event)
    headers = {name.upper(): value for name, value in envelope.headers().items()}

    assert from_nats(headers, envelope.data) == envelope


@pytest.mark.parametrize("header", REQUIRED_HEADERS)
def test_a_missing_header_is_named(event: IntegrationEvent, header: str) -> None:
    envelope = wrap(event)
    headers = {k: v for k, v in envelope.headers().items() if k != header}

    with pytest.raises(EnvelopeError, match=f"missing CloudEvents header.*{header}"):
        from_nats(headers, envelope.data)


def test_no_headers_at_all_is_an_envelope_error() -> None:
    with pytest.raises(EnvelopeError, match="ce-id"):
        from_nats(None, b"{}")


@pytest.mark.parametrize(
    ("header", "value", "complaint"),
    [
        ("ce-specversion", "0.3", "ce-specversion"),
        ("ce-datacontenttype", "text/plain", "ce-datacontenttype"),
        ("ce-id", "not-a-uuid", "malformed"),
        ("ce-sequence", "forty-two", "malformed"),
        ("ce-time", "2025-03-14T09:30:15", "no time zone"),
    ],
)
def test_a_malformed_header_is_an_envelope_error(
    event: IntegrationEvent, header: str, value: str, complaint: str
) -> None:
    envelope = wrap(event)

    with pytest.raises(EnvelopeError, match=complaint):
        from_nats(envelope.headers() | {header: value}, envelope.data)


def test_an_unknown_ce_type_is_reported_as_such(event: IntegrationEvent) -> None:
    envelope = wrap(event)
    headers = envelope.headers() | {"ce-type": "se.tak.intake.person_vanished.v1"}

    received = from_nats(headers, envelope.data)

    with pytest.raises(UnknownEventType, match="person_vanished"):
        received.event()
    assert issubclass(UnknownEventType, EnvelopeError)


@pytest.mark.parametrize("body", [b'{"unexpected": true}', b"not json", b"[]"])
def test_a_body_that_does_not_match_the_contract_is_an_envelope_error(
    event: IntegrationEvent, body: bytes
) -> None:
    received = from_nats(wrap(event).headers(), body)

    with pytest.raises(EnvelopeError, match=re.escape(event.ce_type())):
        received.event()


@pytest.mark.parametrize("body", [b"not json", b"[]"])
def test_data_json_of_a_body_that_is_no_json_object_is_an_envelope_error(
    event: IntegrationEvent, body: bytes
) -> None:
    with pytest.raises(EnvelopeError, match="body is not"):
        from_nats(wrap(event).headers(), body).data_json()


def test_a_reader_ignores_fields_added_after_its_version(event: IntegrationEvent) -> None:
    envelope = wrap(event)
    newer = envelope.data[:-1] + b', "added_in_a_later_minor": "x"}'

    assert from_nats(envelope.headers(), newer).event() == event


def test_nats_subject_is_district_service_event_and_major(event: IntegrationEvent) -> None:
    subject = wrap(event, district="sodermalm").nats_subject()

    assert subject == f"tak.sodermalm.{event.service}.{event.event_name}.v1"
    assert re.fullmatch(r"tak\.[a-z][a-z0-9_]*\.[a-z]+\.[a-z_]+\.v1", subject)
    assert subject == type(event).subject("sodermalm")


def test_the_design_example_subject() -> None:
    assert subjects.subject("norrmalm", "evictions", "eviction_threat_registered", 1) == (
        "tak.norrmalm.evictions.eviction_threat_registered.v1"
    )


@pytest.mark.parametrize(
    "district",
    ["Norrmalm", "norr.malm", "norr malm", "norr*", "norr>", "", "1norrmalm", "NORRMALM"],
)
def test_subject_builders_refuse_a_token_that_is_not_lower_case_ascii(district: str) -> None:
    with pytest.raises(ValueError, match="subject token"):
        subjects.subject(district, "intake", "person_registered", 1)
    with pytest.raises(ValueError, match="subject token"):
        subjects.ce_source(district, "intake")
    with pytest.raises(ValueError, match="subject token"):
        subjects.service_filter(district, "intake")


@pytest.mark.parametrize(
    ("service", "event_name"),
    [
        ("Intake", "person_registered"),
        ("intake", "person.registered"),
        ("intake", "PersonRegistered"),
    ],
)
def test_ce_type_refuses_a_token_with_dots_or_upper_case(service: str, event_name: str) -> None:
    with pytest.raises(ValueError, match="subject token"):
        subjects.ce_type(service, event_name, 1)


def test_wrap_refuses_a_district_that_is_not_a_token(event: IntegrationEvent) -> None:
    with pytest.raises(ValueError, match="district"):
        wrap(event, district="Norr.malm")


def test_service_filter_matches_everything_one_service_publishes() -> None:
    assert subjects.service_filter("norrmalm", "intake") == "tak.norrmalm.intake.>"

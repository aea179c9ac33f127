"""What ``GET /api/audit/verify`` answers (and ``tak audit verify`` prints): ``valid`` and
``problems`` always, the counts of each part that was checked, nothing for a part that was not."""

from __future__ import annotations

from tak_reporting.features.verify_audit.verification import (
    Chain,
    ProducerCounts,
    StreamCounts,
)
from tak_reporting.features.verify_audit.verify import MAX_LISTED, Findings

CHAIN = Chain(valid=True, events=3, head="ab" * 32)
STREAM = StreamCounts(messages=3, reporting_position=3, not_yet_read=0, held=3)
INTAKE = ProducerCounts(relay_position=2, published=2, not_yet_published=0, weeded_notifications=0)


def answered(found: Findings) -> dict[str, object]:
    """The JSON the route writes for these findings (it leaves out what is None)."""
    return found.report().model_dump(mode="json", exclude_none=True)


def test_nothing_found_is_valid_with_every_count() -> None:
    found = Findings(chain=CHAIN, stream=STREAM, producers={"intake": INTAKE})

    assert answered(found) == {
        "valid": True,
        "problems": [],
        "chain": {"valid": True, "events": 3, "head": "ab" * 32},
        "stream": {"messages": 3, "reporting_position": 3, "not_yet_read": 0, "held": 3},
        "producers": {
            "intake": {
                "relay_position": 2,
                "published": 2,
                "not_yet_published": 0,
                "weeded_notifications": 0,
            }
        },
    }


def test_a_stream_that_could_not_be_read_is_left_out_and_named_as_a_problem() -> None:
    found = Findings(["NATS unavailable: the stream could not be read"], chain=CHAIN)

    body = answered(found)

    assert body["valid"] is False
    assert body["problems"] == ["NATS unavailable: the stream could not be read"]
    assert set(body) == {"valid", "problems", "chain"}


def test_a_broken_chain_names_its_first_broken_row() -> None:
    found = Findings(
        ["audit chain broken at position 3"], Chain(valid=False, events=2, broken_at=3)
    )

    assert answered(found)["chain"] == {"valid": False, "events": 2, "broken_at": 3}


def test_problems_past_the_first_fifty_are_counted_not_listed() -> None:
    found = Findings([f"problem {n}" for n in range(MAX_LISTED + 7)], chain=CHAIN)

    problems = found.report().problems

    assert len(problems) == MAX_LISTED + 1
    assert problems[-1] == "... and 7 more"
    assert not found.report().valid

"""The answer of ``GET /api/audit/verify`` (and of ``tak audit verify``, which prints it):
whether nothing was lost or doubled, every problem named, and what was counted. A part that
could not be checked (the stream while NATS is away) is left out of the answer."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Chain(BaseModel):
    """The audit copy's hash chain, recomputed from its first row."""

    valid: bool
    events: int = Field(description="Rows checked (up to the first broken link).")
    head: str | None = Field(default=None, description="The last row's hash (hex), when intact.")
    broken_at: int | None = Field(default=None, description="The first row that does not fit.")


class StreamCounts(BaseModel):
    """The stream against what reporting holds."""

    messages: int = Field(description="Messages on the stream under reporting's filter.")
    reporting_position: int = Field(description="The last stream sequence reporting applied.")
    not_yet_read: int = Field(description="Messages after reporting's position.")
    held: int = Field(description="Events, repeats and dead letters reporting holds.")


class ProducerCounts(BaseModel):
    """One producer's log against the stream and the audit copy."""

    relay_position: int = Field(description="The last notification its relay published.")
    published: int = Field(description="Events its log published up to that position.")
    not_yet_published: int
    weeded_notifications: int = Field(
        description="Notifications weeded since: they publish nothing any more."
    )


class Verification(BaseModel):
    valid: bool = Field(description="True when no problem was found.")
    problems: list[str] = Field(
        description="Every problem found (the first 50, then how many more)."
    )
    chain: Chain | None = None
    stream: StreamCounts | None = Field(
        default=None, description="Left out when the stream could not be read."
    )
    producers: dict[str, ProducerCounts] | None = Field(
        default=None, description="Each producer in `TAK_PRODUCERS`, by name; left out if none."
    )

"""The one place where Tak's JetStream streams are declared
(docs/architecture.md, the stream and the envelope).

Every service applies the same declaration at start-up, so no service ever redeclares a
stream with other settings. On one machine one stream ``TAK`` captures ``tak.>``; a federated
district names its own stream and subjects in settings (docs/operations.md, running against
existing servers).
"""

from __future__ import annotations

import contextlib
import logging

from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

log = logging.getLogger(__name__)

DUPLICATE_WINDOW_SECONDS = 120.0


def stream_config(name: str, subjects: list[str], replicas: int = 1) -> StreamConfig:
    """File storage, kept forever, 2-minute dedup window; messages are never deleted."""
    return StreamConfig(
        name=name,
        subjects=subjects,
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        discard=DiscardPolicy.OLD,
        max_age=0,
        max_msgs=-1,
        max_bytes=-1,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        num_replicas=replicas,
        deny_delete=True,
        allow_direct=True,
    )


async def declare_stream(js: JetStreamContext, config: StreamConfig) -> None:
    """Create the stream, or bring an existing one to this configuration."""
    try:
        await js.stream_info(config.name or "")
    except NotFoundError:
        await js.add_stream(config)
        log.info("declared stream %s on %s", config.name, config.subjects)
        return
    await js.update_stream(config)


def durable_pull_consumer(
    name: str, filter_subject: str, *, after: int, max_ack_pending: int, ack_wait: float
) -> ConsumerConfig:
    """A durable pull consumer that delivers from right after ``after`` (a stream sequence).

    Acknowledging a message acknowledges every one delivered before it (``AckPolicy.ALL``), so
    a consumer acknowledges only what it has committed, and at most one batch is pending."""
    start = (
        {"deliver_policy": DeliverPolicy.BY_START_SEQUENCE, "opt_start_seq": after + 1}
        if after
        else {"deliver_policy": DeliverPolicy.ALL}
    )
    return ConsumerConfig(
        durable_name=name,
        filter_subject=filter_subject,
        ack_policy=AckPolicy.ALL,
        max_ack_pending=max_ack_pending,
        ack_wait=ack_wait,
        **start,
    )


def consumer_name(service: str, district: str) -> str:
    """The durable name of a service's consumer of its district's events: ``evictions-norrmalm``."""
    return f"{service}-{district}"


def durable_explicit_consumer(name: str, filter_subject: str, *, ack_wait: float) -> ConsumerConfig:
    """A durable pull consumer that acknowledges each message on its own (``AckPolicy.EXPLICIT``),
    from the first message on ``filter_subject``: a message neither acknowledged nor rejected
    within ``ack_wait`` seconds is delivered again. For a consumer that settles message by
    message (a neighbour's event applied to one record), not one that commits batches."""
    return ConsumerConfig(
        durable_name=name,
        filter_subject=filter_subject,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ack_wait,
        deliver_policy=DeliverPolicy.ALL,
    )


async def declare_consumer(js: JetStreamContext, stream: str, config: ConsumerConfig) -> None:
    """Create the durable consumer, or bring an existing one to this configuration (the server
    changes what it can in place, such as the ack wait, and keeps the consumer's position)."""
    await js.add_consumer(stream, config)
    log.info("declared consumer %s on %s", config.durable_name, stream)


async def rewind_consumer(js: JetStreamContext, stream: str, config: ConsumerConfig) -> None:
    """Declare ``config`` afresh: a consumer's start cannot be moved, so delete and recreate it."""
    with contextlib.suppress(NotFoundError):
        await js.delete_consumer(stream, config.durable_name or "")
    await js.add_consumer(stream, config)
    log.info("consumer %s on %s starts at %s", config.durable_name, stream, config.opt_start_seq)

"""A Mapper that encrypts each stored event under its data subject's key
(docs/architecture.md, write side).

Stored state: ``0x00 + state`` for events without personal data, else
``0x01 + subject_id(16) + nonce(12) + AES-GCM(state)`` with the tag bound to
``originator_id:originator_version``. A missing key gives a ``Redacted`` stand-in event; a
failed integrity check still raises.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, cast
from uuid import UUID

from cryptography.exceptions import InvalidTag
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Compressor,
    EventStore,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
)

from tak_platform.keystore import KeyStore
from tak_platform.weeding import Redacted

PLAIN = b"\x00"
SEALED = b"\x01"


def subject_of(event: DomainEventProtocol[UUID]) -> UUID:
    """The data subject an event's personal data belongs to: its own, or the aggregate's."""
    subject = getattr(event, "data_subject_id", None)
    return subject if isinstance(subject, UUID) else event.originator_id


class SubjectCipherMapper(Mapper[UUID]):
    def __init__(
        self, transcoder: Transcoder, keystore: KeyStore, compressor: Compressor | None = None
    ) -> None:
        super().__init__(transcoder=transcoder, compressor=compressor, cipher=None)
        self.keystore = keystore

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        stored = super().to_stored_event(domain_event)
        if not getattr(type(domain_event), "contains_personal_data", True):
            return replace(stored, state=PLAIN + stored.state)
        subject = subject_of(domain_event)
        nonce = os.urandom(12)
        sealed = self.keystore.get_or_create(subject).encrypt(nonce, stored.state, _aad(stored))
        return replace(stored, state=SEALED + subject.bytes + nonce + sealed)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        state = stored_event.state
        if state[:1] == PLAIN:
            return super().to_domain_event(replace(stored_event, state=state[1:]))
        subject = UUID(bytes=state[1:17])
        aead = self.keystore.get(subject)
        if aead is None:
            return Redacted(
                cast(UUID, stored_event.originator_id),
                stored_event.originator_version,
                stored_event.topic,
                subject,
            )
        try:
            plain = aead.decrypt(state[17:29], state[29:], _aad(stored_event))
        except InvalidTag as exc:
            raise MapperDeserialisationError(
                f"integrity check failed for {stored_event.originator_id}"
                f" v{stored_event.originator_version}"
            ) from exc
        return super().to_domain_event(replace(stored_event, state=plain))


def sealed_subjects(stored: Sequence[StoredEvent]) -> set[UUID]:
    """The data subjects whose keys reading these stored events needs (read in clear)."""
    return {UUID(bytes=s.state[1:17]) for s in stored if s.state[:1] == SEALED}


def _aad(stored: StoredEvent) -> bytes:
    return f"{stored.originator_id}:{stored.originator_version}".encode()


class SubjectEventStore(EventStore[UUID]):
    """Prepares the keys of every subject in a save at once, before mapping its events."""

    def put(self, domain_events: Sequence[DomainEventProtocol[UUID]], **kwargs: Any) -> Any:
        mapper = self.mapper
        if isinstance(mapper, SubjectCipherMapper):
            mapper.keystore.prepare(
                {
                    subject_of(e)
                    for e in domain_events
                    if getattr(type(e), "contains_personal_data", True)
                }
            )
        return super().put(domain_events, **kwargs)

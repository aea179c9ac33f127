"""A Mapper that encrypts each stored event under its data subject's key
(docs/architecture.md, write side).

Stored state: ``0x00 + state`` for events without personal data, else
``0x01 + subject_id(16) + nonce(12) + AES-GCM(state)`` with the tag bound to
``originator_id:originator_version``. A missing key gives a ``Redacted`` stand-in event; a
failed integrity check still raises.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, cast
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Compressor,
    EventStore,
    IntegrityError,
    Mapper,
    MapperDeserialisationError,
    Notification,
    Recording,
    StoredEvent,
    Transcoder,
)

from tak_platform.keystore import KeyStore, NewKey
from tak_platform.recorders import is_subject_key_taken
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

    def to_stored_event(
        self,
        domain_event: DomainEventProtocol[UUID],
        new_keys: Mapping[UUID, NewKey] | None = None,
    ) -> StoredEvent:
        """The stored event, sealed under its subject's key (one of ``new_keys``, made for
        this save, or the stored one)."""
        stored = super().to_stored_event(domain_event)
        if not contains_personal_data(domain_event):
            return replace(stored, state=PLAIN + stored.state)
        subject = subject_of(domain_event)
        new = new_keys.get(subject) if new_keys else None
        aead = AESGCM(new.key) if new is not None else self.keystore.get_or_create(subject)
        nonce = os.urandom(12)
        sealed = aead.encrypt(nonce, stored.state, _aad(stored))
        return replace(stored, state=SEALED + subject.bytes + nonce + sealed)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        state = stored_event.state
        if state[:1] == PLAIN:
            return super().to_domain_event(_with_state(stored_event, state[1:]))
        subject = _uuid(state[1:17])
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
        return super().to_domain_event(_with_state(stored_event, plain))


def _with_state(stored: StoredEvent, state: bytes) -> StoredEvent:
    """``dataclasses.replace``, without its field-by-field checks (it runs for every event)."""
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic, state)


@functools.lru_cache(maxsize=65_536)
def _uuid(raw: bytes) -> UUID:
    return UUID(bytes=raw)


@functools.lru_cache(maxsize=65_536)
def _text(aggregate_id: UUID | str) -> str:
    return str(aggregate_id)


def contains_personal_data(event: DomainEventProtocol[UUID]) -> bool:
    return bool(getattr(type(event), "contains_personal_data", True))


def sealed_subjects(stored: Sequence[StoredEvent]) -> set[UUID]:
    """The data subjects whose keys reading these stored events needs (read in clear)."""
    return {_uuid(s.state[1:17]) for s in stored if s.state[:1] == SEALED}


def _aad(stored: StoredEvent) -> bytes:
    return f"{_text(stored.originator_id)}:{stored.originator_version}".encode()


class SubjectEventStore(EventStore[UUID]):
    """Prepares the keys of every subject in a save at once, before mapping its events; a
    subject's new key is written in the save's own transaction (``new_keys=`` to the
    recorder), so creating it costs no round trip and no commit of its own."""

    def put(
        self, domain_events: Sequence[DomainEventProtocol[UUID]], **kwargs: Any
    ) -> list[Recording[UUID]]:
        mapper = self.mapper
        if not isinstance(mapper, SubjectCipherMapper):
            return super().put(domain_events, **kwargs)
        sealed = [e for e in domain_events if contains_personal_data(e)]
        subjects = {subject_of(e) for e in sealed}
        fresh = {e.originator_id for e in sealed if _creates_own_subject(e)}
        while True:
            new_keys = mapper.keystore.prepare(subjects, fresh)
            stored = [mapper.to_stored_event(e, new_keys) for e in domain_events]
            try:
                ids = self.recorder.insert_events(stored, new_keys=new_keys, **kwargs)
            except IntegrityError as exc:
                if fresh and is_subject_key_taken(exc):
                    fresh = set()  # a key was there after all (an earlier save's): look it up
                    continue
                raise
            mapper.keystore.remember(new_keys)
            return _recordings(domain_events, stored, ids)


def _recordings(
    domain_events: Sequence[DomainEventProtocol[UUID]],
    stored: Sequence[StoredEvent],
    ids: Sequence[int] | None,
) -> list[Recording[UUID]]:
    """As ``EventStore.put`` makes them."""
    if not ids:
        return []
    return [
        Recording(
            d,
            Notification(
                originator_id=s.originator_id,
                originator_version=s.originator_version,
                topic=s.topic,
                state=s.state,
                id=n_id,
            ),
        )
        for d, s, n_id in zip(domain_events, stored, ids, strict=True)
    ]


def _creates_own_subject(event: DomainEventProtocol[UUID]) -> bool:
    """The first event of an aggregate that is its own data subject: no key can exist yet,
    short of one left by an earlier save that failed."""
    return event.originator_version == 1 and subject_of(event) == event.originator_id

"""The base of each service's eventsourcing Application (docs/architecture.md, write side).

Persistence comes from the service's settings (PostgreSQL, one database per service; in memory
when no database is configured, for unit tests); personal data is sealed per data subject by
``SubjectCipherMapper``; weeding appends markers and destroys the subject's key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Self, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.domain import Aggregate, DomainEventProtocol, MutableOrImmutableAggregate
from eventsourcing.persistence import (
    ApplicationRecorder,
    EventStore,
    IntegrityError,
    JSONTranscoder,
    Mapper,
    Notification,
    Recording,
)
from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import get_topic

from tak_platform.errors import Conflict, Gone, NotFound
from tak_platform.idempotency import KeyUsed, ReceiptStore, give_back, take_command
from tak_platform.identity import pseudonym
from tak_platform.keystore import InMemoryKeyStore, KeyEvictions, KeyStore, PostgresKeyStore
from tak_platform.mapper import SubjectCipherMapper, SubjectEventStore, sealed_subjects
from tak_platform.recorders import ReceiptPOPORecorder, ReceiptPostgresRecorder, is_key_used
from tak_platform.transcodings import DataclassAsDict, DateAsISO
from tak_platform.weeding import SubjectWeeded, WeededAggregate

A = TypeVar("A", bound=Aggregate)


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Each event applied in turn: eventsourcing's ``project_aggregate`` without its assert of
    a runtime-checkable protocol on every event, which costs more than decoding the event
    (tens of milliseconds for a case of a thousand events)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class TakRepository(Repository[UUID]):
    """eventsourcing's repository, rebuilding aggregates with ``replay``."""

    def get(
        self,
        aggregate_id: UUID,
        *,
        version: int | None = None,
        projector_func: Any = replay,
        fastforward_skipping: bool = False,
        deepcopy_from_cache: bool = True,
    ) -> Any:
        return super().get(
            aggregate_id,
            version=version,
            projector_func=projector_func,
            fastforward_skipping=fastforward_skipping,
            deepcopy_from_cache=deepcopy_from_cache,
        )


def persistence_env(database_url: str | None, *, pool_size: int = 10) -> dict[str, str]:
    """eventsourcing's environment for a PostgreSQL database URL (None: in memory)."""
    if database_url is None:
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    url = urlsplit(database_url)
    query = {k: v[-1] for k, v in parse_qs(url.query).items()}
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(url.path.lstrip("/")),
        "POSTGRES_HOST": query.get("host") or url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(query.get("port") or url.port or 5432),
        "POSTGRES_USER": unquote(url.username or query.get("user") or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or query.get("password") or ""),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(pool_size),
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "APPLICATION_RECORDER_TOPIC": get_topic(ReceiptPostgresRecorder),
    }


class TakApplication(Application[UUID]):
    """One per service: the service layer (get, decide, save)."""

    KEK_ENV = "TAK_KEY_ENCRYPTION_KEY"
    value_types: ClassVar[dict[str, type[Any]]] = {}
    """Dataclasses carried in domain events, by a stable transcoding name."""

    database_url: str | None = None
    """The service database's URL, when durable (the relay and read models use it)."""

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        district: str = "norrmalm",
        pseudonym_key: str | None = None,
    ) -> None:
        super().__init__(env)
        self.district = district
        self._pseudonym_key = pseudonym_key

    def pseudonym(self, number_12: str) -> str:
        """The city-wide pseudonym of a normalised personal identity number."""
        if not self._pseudonym_key:
            raise RuntimeError(f"{self.name} was built without a pseudonym key")
        return pseudonym(number_12, self._pseudonym_key)

    @classmethod
    def for_database(
        cls,
        database_url: str | None,
        *,
        kek: str | None = None,
        extra: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Self:
        env = persistence_env(database_url) | ({cls.KEK_ENV: kek} if kek else {})
        app = cls(env | dict(extra or {}), **kwargs)
        app.database_url = database_url
        if database_url is not None and isinstance(app.keystore, PostgresKeyStore):
            app.key_evictions = app.keystore.listen(database_url)
        return app

    key_evictions: KeyEvictions | None = None

    def close(self) -> None:
        if self.key_evictions is not None:
            self.key_evictions.stop()
        super().close()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        for name, cls in self.value_types.items():
            transcoder.register(DataclassAsDict(cls, name))

    def construct_mapper(self) -> Mapper[UUID]:
        self.keystore: KeyStore = self._construct_keystore()
        return SubjectCipherMapper(
            self.construct_transcoder(), self.keystore, self.factory.compressor()
        )

    def construct_repository(self) -> Repository[UUID]:
        return TakRepository(event_store=self.events, snapshot_store=self.snapshots)

    def construct_event_store(self) -> EventStore[UUID]:
        return SubjectEventStore(mapper=self.mapper, recorder=self.recorder)

    def construct_recorder(self) -> ApplicationRecorder:
        """PostgreSQL's comes from ``APPLICATION_RECORDER_TOPIC`` (``persistence_env``)."""
        if isinstance(self.factory, PostgresFactory):
            return super().construct_recorder()
        return ReceiptPOPORecorder()

    @property
    def receipts(self) -> ReceiptStore:
        """Idempotent commands' receipts, kept by the recorder beside the events."""
        if not isinstance(self.recorder, ReceiptPostgresRecorder | ReceiptPOPORecorder):
            raise TypeError(f"{type(self.recorder).__name__} keeps no receipts")
        return self.recorder

    def _construct_keystore(self) -> KeyStore:
        if isinstance(self.factory, PostgresFactory):
            return PostgresKeyStore(self.factory.datastore, self.env.get(self.KEK_ENV))
        return InMemoryKeyStore()

    def domain_events(self, rows: Sequence[Notification]) -> list[tuple[Notification, Any]]:
        """Each stored notification with its domain event, the keys of all the rows' data
        subjects loaded in one go first (a tombstone stand-in where a key was destroyed)."""
        self.keystore.load(sealed_subjects(rows))
        return [(row, self.mapper.to_domain_event(row)) for row in rows]

    @property
    def is_durable(self) -> bool:
        return isinstance(self.factory, PostgresFactory)

    def load(
        self,
        aggregate_id: UUID,
        cls: type[A],
        *,
        version: int | None = None,
        expected_version: int | None = None,
        history: list[Any] | None = None,
    ) -> A:
        """The aggregate, or a clear 404/410/409 naming what was asked for. With ``history``,
        the events it was rebuilt from (oldest first) are added to that list: one read serves
        the aggregate and its history."""
        try:
            if history is None:
                aggregate: Any = self.repository.get(aggregate_id, version=version)
            else:
                events = list(self.events.get(aggregate_id, lte=version))
                if not events:
                    raise AggregateNotFoundError(aggregate_id)
                aggregate = replay(None, events)
        except AggregateNotFoundError:
            raise NotFound(f"no {cls.__name__} with id {aggregate_id}", field="id") from None
        if version is not None and aggregate.version < version:
            raise NotFound(
                f"{cls.__name__} {aggregate_id} has no version {version};"
                f" it is at {aggregate.version}",
                field="version",
            )
        if isinstance(aggregate, WeededAggregate):
            raise Gone(f"{cls.__name__} {aggregate_id} was weeded on {aggregate.weeded_on}")
        if not isinstance(aggregate, cls):
            raise NotFound(f"{aggregate_id} is not a {cls.__name__}", field="id")
        if expected_version is not None and aggregate.version != expected_version:
            raise Conflict(
                f"{cls.__name__} {aggregate_id} is at version {aggregate.version},"
                f" not {expected_version}",
                field="If-Match",
                fix="reload the record and apply your change to the current version",
            )
        if history is not None:
            history.extend(events)
        return aggregate

    def save(
        self,
        *objs: MutableOrImmutableAggregate[UUID] | DomainEventProtocol[UUID] | None,
        **kwargs: Any,
    ) -> list[Recording[UUID]]:
        """Save; the first save of an idempotent command records its receipt with the events,
        and ``facts=`` adds to that receipt what the command's answer needs. A save that fails
        on the command's key raises ``KeyUsed`` (a ``Conflict``; never worth a retry)."""
        facts = kwargs.pop("facts", None) or {}
        if (command := take_command()) is not None:
            command.facts.update(facts)
            kwargs["idempotent"] = command
        try:
            return super().save(*objs, **kwargs)
        except IntegrityError as exc:
            give_back(command)
            if command is not None and is_key_used(exc):
                raise KeyUsed(command.key) from exc
            raise

    def save_or_conflict(
        self, *aggregates: Aggregate, facts: Mapping[str, Any] | None = None
    ) -> int:
        """Save atomically; a concurrent write becomes ``Conflict`` (409). Returns the position.

        ``facts`` (JSON values) go into an idempotent command's receipt, for its answer."""
        try:
            recordings = self.save(*aggregates, facts=facts)
        except IntegrityError as exc:
            raise Conflict(
                "someone else changed this record at the same time",
                fix="reload the record and try again",
            ) from exc
        return recordings[-1].notification.id if recordings else 0

    def weed(self, subject_id: UUID, aggregate_ids: list[UUID], reason: str) -> None:
        """Weed a data subject: a plain marker on each aggregate, then destroy the key."""
        markers = [self._marker(agg_id, subject_id, reason) for agg_id in aggregate_ids]
        self.save(*[m for m in markers if m is not None])
        self.keystore.destroy(subject_id)
        for agg_id in aggregate_ids:
            if self.repository.cache is not None:
                self.repository.cache.put(agg_id, None)

    def _marker(self, aggregate_id: UUID, subject_id: UUID, reason: str) -> SubjectWeeded | None:
        current: Any = self.repository.get(aggregate_id)
        if isinstance(current, WeededAggregate) and current.weeded_on is not None:
            return None
        return SubjectWeeded(
            originator_id=aggregate_id,
            originator_version=current.version + 1,
            timestamp=SubjectWeeded.create_timestamp(),
            subject_id=subject_id,
            reason=reason,
        )

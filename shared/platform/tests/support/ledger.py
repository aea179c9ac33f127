"""A tiny producing application for the platform's own tests: notes about a person."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from tak_contracts.events.intake import Gender, PersonRegistered
from tak_platform.application import TakApplication
from tak_platform.nats import connect
from tak_platform.relay import Publication, Relay


class Note(Aggregate):
    TOPIC: ClassVar[str] = "tak.test:Note"

    class Created(Aggregate.Created):
        TOPIC: ClassVar[str] = "tak.test:Note.Created"

    class Written(Aggregate.Created):
        TOPIC: ClassVar[str] = "tak.test:Note.Written"
        text: str

    class Amended(Aggregate.Event):
        TOPIC: ClassVar[str] = "tak.test:Note.Amended"
        text: str

        def apply(self, aggregate: Any) -> None:
            aggregate.text = self.text

    class Mentioned(Aggregate.Event):
        """Personal data of another data subject, sealed under that subject's key."""

        TOPIC: ClassVar[str] = "tak.test:Note.Mentioned"
        data_subject_id: UUID
        name: str

        def apply(self, aggregate: Any) -> None:
            aggregate.mentioned.append((self.data_subject_id, self.name))

    def __init__(self, text: str) -> None:
        self.text = text
        self.mentioned: list[tuple[UUID, str]] = []

    def mention(self, subject: UUID, name: str) -> None:
        self.trigger_event(self.Mentioned, data_subject_id=subject, name=name)

    def forget_subject(self, subject: UUID) -> None:
        self.mentioned = [m for m in self.mentioned if m[0] != subject]

    def amend(self, text: str) -> None:
        self.trigger_event(self.Amended, text=text)

    @classmethod
    def write(cls, text: str) -> Note:
        return cls._create(cls.Written, id=cls.create_id(), text=text)


class LedgerApp(TakApplication):
    name = "Ledger"


def to_integration(event: Any) -> Sequence[Publication]:
    if not isinstance(event, Note.Written):
        return ()
    return [
        Publication(
            PersonRegistered(
                person_id=event.originator_id,
                person_pseudonym=event.originator_id.hex,
                registered_on=date(2026, 1, 1),
                birth_year=1980,
                gender=Gender.UNKNOWN,
                is_test_data=True,
            ),
            subject_id=str(event.originator_id),
        )
    ]


def write_notes(app: LedgerApp, count: int, per_save: int = 500) -> list[UUID]:
    ids: list[UUID] = []
    for start in range(0, count, per_save):
        notes = [Note.write(f"note {i}") for i in range(start, min(start + per_save, count))]
        app.save(*notes)
        ids.extend(n.id for n in notes)
    return ids


async def run_relay() -> None:
    """Run a relay for the ledger until SIGTERM (used as a child process by the tests)."""
    env = os.environ
    app = LedgerApp.for_database(env["LEDGER_DATABASE_URL"])
    relay = Relay(
        service="intake",
        district=env["LEDGER_DISTRICT"],
        database_url=env["LEDGER_DATABASE_URL"],
        stream=env["LEDGER_STREAM"],
        app=app,
        mapping=to_integration,
        batch_size=int(env.get("LEDGER_BATCH", "500")),
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    nc = await connect(env["LEDGER_NATS_URL"], "ledger-relay")
    await relay.run(nc, stop)
    await nc.drain()
    app.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(run_relay()))

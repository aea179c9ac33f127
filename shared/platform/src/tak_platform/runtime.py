"""What runs beside a service's HTTP API: its NATS connection, its relay, its consumers.

The service has one NATS connection: its faststream broker's. The broker carries the
service's consumers (faststream routers, started once the stream and their durable consumers
are declared); its client is what the relay and the other workers are given.

The service starts even when NATS is away: it reports that on ``/health``, keeps accepting
commands (they are stored), and its relay catches up when NATS comes back. A worker that fails
is logged, reported and restarted; shutdown lets the current batch finish.

A service without a database runs in memory (unit tests): it has no relay and no consumer, so
it never dials NATS, and a test never touches a NATS server that happens to run nearby.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from faststream.nats import NatsBroker, NatsRouter
from faststream.nats.subscriber.usecases.stream_basic import StreamSubscriber
from nats.aio.client import Client
from nats.errors import ConnectionClosedError, ConnectionReconnectingError

from tak_platform.nats import connect_until_up, service_broker
from tak_platform.settings import ServiceSettings
from tak_platform.streams import declare_consumer, declare_stream, stream_config
from tak_platform.waiting import first_set

log = logging.getLogger(__name__)

Worker = Callable[[Client, asyncio.Event], Awaitable[None]]
"""Needs NATS: starts once the connection is up (the relay, consumers)."""
LocalWorker = Callable[[asyncio.Event], Awaitable[None]]
"""Needs only the service's database: runs from the start (read-model followers)."""


@dataclass
class WorkerState:
    name: str
    running: bool = False
    restarts: int = 0
    last_error: str | None = None


@dataclass
class Runtime:
    settings: ServiceSettings
    workers: dict[str, Worker] = field(default_factory=dict)
    local_workers: dict[str, LocalWorker] = field(default_factory=dict)
    routers: Sequence[NatsRouter] = ()
    """The service's consumers, as faststream routers on its broker."""
    broker: NatsBroker | None = None
    nats: Client | None = None
    states: dict[str, WorkerState] = field(default_factory=dict)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    @property
    def in_memory(self) -> bool:
        """No database: nothing to publish or consume, and no NATS connection."""
        return self.settings.database_url is None

    def start(self) -> None:
        if self.in_memory and (self.workers or self.routers):
            needing = sorted(self.workers) or ["the consumers"]
            raise ValueError(f"{needing} need NATS, which runs only with a database")
        self._task = asyncio.create_task(self._run(), name="tak-runtime")

    async def stop(self) -> None:
        """Let every worker finish its current batch, then stop the consumers (each finishes
        the message in hand) and drain the connection."""
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, self.settings.shutdown_grace_seconds)
            except TimeoutError:
                log.error("workers did not stop within %ss", self.settings.shutdown_grace_seconds)
        if self.broker is not None:
            await self._stop_broker(self.broker)

    async def _stop_broker(self, broker: NatsBroker) -> None:
        try:
            await broker.stop()
        except (ConnectionReconnectingError, ConnectionClosedError):  # NATS away: nothing to drain
            if self.nats is not None:
                await self.nats.close()

    def health(self) -> dict[str, Any]:
        down = [s for s in self.states.values() if not s.running and s.last_error]
        return {
            "nats": self._nats_state(),
            "workers": {n: vars(s) for n, s in self.states.items()}
            | {"problems": [f"{s.name} failed and restarts: {s.last_error}" for s in down]},
        }

    def _nats_state(self) -> str:
        if self.in_memory:
            return "not used in memory"
        connected = self.nats is not None and self.nats.is_connected
        return "connected" if connected else "unavailable"

    async def _run(self) -> None:
        local = [self._supervise(n, partial(w, self._stop)) for n, w in self.local_workers.items()]
        await asyncio.gather(*local, *([] if self.in_memory else [self._run_with_nats()]))

    async def _run_with_nats(self) -> None:
        name = f"tak-{self.settings.district}-{self.settings.service}"
        grace = self.settings.shutdown_grace_seconds
        self.broker = service_broker(
            self.settings.nats_url, name, self.routers, graceful_timeout=grace
        )
        self.nats = await connect_until_up(self.broker, self._stop)
        if self.nats is None:
            return
        nc = self.nats
        await self._prepare(self.broker, nc)
        await asyncio.gather(
            *(self._supervise(n, partial(w, nc, self._stop)) for n, w in self.workers.items())
        )

    async def _prepare(self, broker: NatsBroker, nc: Client) -> None:
        """Declare the stream and the consumers' durable consumers, then start the consumers;
        retried until it succeeds (the workers wait for it)."""
        config = stream_config(
            self.settings.stream_name, self.settings.stream_subjects, self.settings.stream_replicas
        )
        state = self.states.setdefault("stream", WorkerState(f"stream {config.name}"))
        while not self._stop.is_set():
            try:
                await declare_stream(nc.jetstream(), config)
                await _declare_consumers(broker, nc)
                await broker.start()
                state.running, state.last_error = True, None
                return
            except Exception as exc:  # reported on /health and retried; workers wait for it
                log.exception("could not declare stream %s or start the consumers", config.name)
                state.last_error = f"{type(exc).__name__}: {exc}"
                state.restarts += 1
                await first_set(self._stop, timeout=2.0)

    async def _supervise(self, name: str, run: Callable[[], Awaitable[None]]) -> None:
        state = self.states.setdefault(name, WorkerState(name))
        while not self._stop.is_set():
            state.running = True
            try:
                await run()
            except Exception as exc:  # reported on /health and retried; never hidden
                log.exception("worker %s failed", name)
                state.last_error = f"{type(exc).__name__}: {exc}"
                state.restarts += 1
            state.running = False
            await first_set(self._stop, timeout=1.0)


async def _declare_consumers(broker: NatsBroker, nc: Client) -> None:
    """Each durable consumer the routers subscribe with, declared as ``tak_platform.streams``
    makes it (the subscribers never declare anything themselves)."""
    js = nc.jetstream()
    for subscriber in broker.subscribers:
        if isinstance(subscriber, StreamSubscriber) and subscriber.config.durable_name:
            await declare_consumer(js, subscriber.stream.name, subscriber.config)

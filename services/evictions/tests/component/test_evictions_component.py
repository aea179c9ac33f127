"""The whole evictions service as a process, over HTTP and a real NATS and PostgreSQL; placements
is simulated by publishing its contract event. Ends with the check that nothing the service
published carries personal data."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import unquote
from uuid import UUID, uuid4

import httpx
import nats
import pytest
from nats.aio.msg import Msg

from tak_contracts import from_nats, wrap
from tak_contracts.events.placements import ApartmentAssigned, ApartmentKind
from tak_platform.identity import synthetic_number

from .conftest import Service

pytestmark = pytest.mark.integration
T = TypeVar("T")
TODAY = datetime.now(UTC).date()  # the service's clock is UTC: an execution today is not future


@dataclass(frozen=True)
class Tenant:
    """One household's personal data: none of it may leave the service."""

    name: str
    number: str  # YYYYMMDDNNNN
    phone: str
    address: str
    landlord: str
    note: str

    def needles(self) -> list[str]:
        n = self.number
        forms = [n, n[2:], f"{n[2:8]}-{n[8:]}", f"{n[:8]}-{n[8:]}"]
        texts = [self.name, self.name.split()[-1], self.phone, self.address, self.landlord]
        return [*forms, self.phone.replace(" ", "").replace("-", ""), *texts, self.note]


def tenant(seed: int, name: str, street: str, landlord: str) -> Tenant:
    rng = random.Random(seed)
    return Tenant(
        name=name,
        number=synthetic_number(rng, 1975 + seed),
        phone=f"070-000 {seed:02d} {seed + 40:02d}",
        address=f"{street} {seed + 3}",
        landlord=landlord,
        note=f"{name.split()[0]} berättade om skulden till {landlord} (anteckning {seed})",
    )


PREVENTED = tenant(1, "Saga Komponentsson", "Provgatan", "Hyresvärd Komponent AB")
MOVED = tenant(2, "Hugo Exempelqvist", "Exempelvägen", "Privatvärd Prov HB")
EXECUTED = tenant(3, "Maja Demodotter-Lind", "Testbacken", "Allmännyttan Komponent AB")


async def test_a_year_in_small_the_alert_resolves_when_placements_assigns_and_no_pii_is_published(
    service: Service,
) -> None:
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as http:
        prevented = await work_a_case_to_prevention(http)
        moved = await work_a_case_to_a_move(http)
        executed = await execute_with_children_and_no_alternative(http)

        published = await eventually(lambda: events_named(service, "emergency_apartment_requested"))
        names = {m.subject.split(".")[3] for m in await evictions_messages(service)}
        assert {"eviction_prevented", "eviction_household_moved", "eviction_executed"} <= names
        assert "child_eviction_without_alternative_raised" in names
        request_id = UUID(json.loads(published[0].data)["request_id"])
        case = await get(http, f"/api/cases/{executed}")
        assert case["child_alert_open"] and case["emergency_apartment_request"] == str(request_id)

        await publish_placements(service, None, b"{not json")  # malformed: terminated
        await publish_placements(service, None)  # no request: ignored
        await publish_placements(service, request_id)
        await publish_placements(service, request_id)  # placements said it twice: recorded once

        case = await eventually(lambda: resolved(http, executed))
        assert [h["event"] for h in case["history"]].count("EmergencyApartmentAssigned") == 1
        await eventually(
            lambda: events_named(service, "child_eviction_without_alternative_resolved")
        )
        await eventually(lambda: consumer_done(service))
        case = await get(http, f"/api/cases/{executed}")
        assert [h["event"] for h in case["history"]].count("EmergencyApartmentAssigned") == 1
        for other in (prevented, moved):
            assert (await get(http, f"/api/cases/{other}"))["status"] == "closed"

    assert_no_personal_data(await evictions_messages(service))


# -- the cases, over HTTP ---------------------------------------------------------------------


async def work_a_case_to_prevention(http: httpx.AsyncClient) -> str:
    received = TODAY - timedelta(days=12)
    case = await register(http, PREVENTED, "rent_arrears", received, children=[])
    await step(http, case, "contact-attempts", channel="letter", on=day(received, 1), reached=False)
    await step(http, case, "contact-attempts", channel="phone", on=day(received, 3), reached=True)
    await step(http, case, "counselling-referrals", on=day(received, 3))
    await step(http, case, "notes", text=PREVENTED.note)
    summary = f"{PREVENTED.landlord} kan tänka sig en avbetalningsplan"
    await step(http, case, "landlord-contacts", on=day(received, 5), summary=summary)
    await step(
        http, case, "repayment-plans", amount="14500", instalments=6, agreed_on=day(received, 8)
    )
    await step(
        http, case, "closure", outcome="prevented", on=day(received, 9), how="repayment_plan"
    )
    return case


async def work_a_case_to_a_move(http: httpx.AsyncClient) -> str:
    received = TODAY - timedelta(days=30)
    case = await register(http, MOVED, "notice_of_termination", received, children=[])
    await step(
        http, case, "contact-attempts", channel="home_visit", on=day(received, 2), reached=True
    )
    await step(http, case, "notes", text=MOVED.note)
    await step(http, case, "closure", outcome="moved", on=day(received, 25), moved_to="second_hand")
    return case


async def execute_with_children_and_no_alternative(http: httpx.AsyncClient) -> str:
    received = TODAY - timedelta(days=60)
    children = [
        {"birth_year": TODAY.year - 6, "registered_at_address": True},
        {"birth_year": TODAY.year - 12, "registered_at_address": False},
    ]
    case = await register(http, EXECUTED, "enforcement_application", received, children)
    await step(http, case, "contact-attempts", channel="letter", on=day(received, 1), reached=False)
    await step(http, case, "counselling-referrals", on=day(received, 2))
    await step(
        http,
        case,
        "enforcement-decisions",
        decision="eviction_date_set",
        decided_on=day(received, 20),
        eviction_date=str(TODAY),
    )
    await step(http, case, "notes", text=EXECUTED.note)
    await step(
        http,
        case,
        "closure",
        outcome="executed",
        on=str(TODAY),
        children_registered=1,
        children_not_registered=1,
    )
    return case


async def register(
    http: httpx.AsyncClient,
    who: Tenant,
    kind: str,
    received: date,
    children: list[dict[str, Any]],
) -> str:
    signal: dict[str, Any] = {"kind": kind, "received_on": str(received)}
    if kind == "enforcement_application":
        signal |= {"enforcement_case_number": "12-345678-26", "arrears_amount": "31200"}
    body = {
        "tenant": {
            "name": who.name,
            "personal_identity_number": f"{who.number[:8]}-{who.number[8:]}",
            "phone": who.phone,
        },
        "address": who.address,
        "landlord_name": who.landlord,
        "landlord_contact": f"förvaltare@{who.landlord.split()[0].lower()}.invalid",
        "adults": 1,
        "children": children,
        "signal": signal,
        "registered_by": "bosamordnare-1",
        "is_test_data": True,
    }
    answer = await http.post("/api/cases", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["case_id"])


async def step(http: httpx.AsyncClient, case_id: str, path: str, **body: Any) -> None:
    answer = await http.post(
        f"/api/cases/{case_id}/{path}", json=body | {"recorded_by": "bosamordnare-1"}
    )
    assert answer.status_code == 201, answer.text


async def get(http: httpx.AsyncClient, path: str) -> dict[str, Any]:
    answer = await http.get(path)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def resolved(http: httpx.AsyncClient, case_id: str) -> dict[str, Any] | None:
    case = await get(http, f"/api/cases/{case_id}")
    names = {h["event"] for h in case["history"]}
    return case if not case["child_alert_open"] and "EmergencyApartmentAssigned" in names else None


def day(start: date, days: int) -> str:
    return str(start + timedelta(days=days))


# -- the stream -------------------------------------------------------------------------------


async def publish_placements(
    service: Service, request_id: UUID | None, body: bytes | None = None
) -> None:
    """What placements publishes when it assigns an apartment (a new event id each time)."""
    event = ApartmentAssigned(
        apartment_id=uuid4(),
        placement_id=uuid4(),
        person_pseudonym=uuid4().hex * 2,
        kind=ApartmentKind.EMERGENCY,
        assigned_on=TODAY,
        request_id=request_id,
        is_test_data=True,
    )
    envelope = wrap(
        event,
        id=uuid4(),
        district=service.district,
        subject=str(event.apartment_id),
        time=datetime.now(UTC),
        sequence=random.randint(1, 10_000),
    )
    assert envelope.headers()["Nats-Msg-Id"] == str(envelope.id)
    nc = await nats.connect(service.nats_url)
    try:
        ack = await nc.jetstream().publish(
            envelope.nats_subject(),
            envelope.data if body is None else body,
            headers=envelope.headers(),
            stream=service.stream,
        )
        assert not ack.duplicate
    finally:
        await nc.close()


async def evictions_messages(service: Service) -> list[Msg]:
    """Every message the service published, in order (an ordered consumer)."""
    nc = await nats.connect(service.nats_url)
    messages: list[Msg] = []
    try:
        sub = await nc.jetstream().subscribe(
            f"tak.{service.district}.evictions.>",
            stream=service.stream,
            ordered_consumer=True,
        )
        while not messages or messages[-1].metadata.num_pending:
            try:
                messages.append(await sub.next_msg(timeout=2))
            except TimeoutError:
                break
    finally:
        await nc.close()
    return messages


async def events_named(service: Service, name: str) -> list[Msg] | None:
    found = [m for m in await evictions_messages(service) if m.subject.split(".")[3] == name]
    return found or None


async def consumer_done(service: Service) -> bool:
    """The service's consumer has settled every assignment on the stream."""
    nc = await nats.connect(service.nats_url)
    try:
        info = await nc.jetstream().consumer_info(service.stream, f"evictions-{service.district}")
    finally:
        await nc.close()
    delivered = info.delivered.stream_seq if info.delivered else None
    return bool(delivered) and info.num_pending == 0 and info.num_ack_pending == 0


async def eventually(check: Callable[[], Awaitable[T | None]], timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    while not (result := await check()):
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.2)
    return result


# -- the PII check ----------------------------------------------------------------------------


def assert_no_personal_data(messages: list[Msg]) -> None:
    """Decode every published message; no header and no body may carry any personal data."""
    assert len(messages) >= 15
    needles = [n for who in (PREVENTED, MOVED, EXECUTED) for n in who.needles()]
    needles += ["12-345678-26", "förvaltare@"]
    for message in messages:
        cloud_event = from_nats(message.headers, message.data)
        event = cloud_event.event()
        assert event.is_test_data  # type: ignore[attr-defined]
        headers = {k: unquote(v) for k, v in (message.headers or {}).items()}
        body = json.dumps(json.loads(message.data), ensure_ascii=False)
        text = json.dumps(headers, ensure_ascii=False) + message.data.decode() + body
        leaked = [n for n in needles if n.casefold() in text.casefold()]
        assert not leaked, f"{message.subject} carries {leaked}"

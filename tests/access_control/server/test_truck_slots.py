"""Truck appointment slots: published capacity, booking without overbooking, and the gate pass
a booking issues, checked by the real gate validation (online and offline)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from access_control.gate_client import GateStore, OfflineGate
from access_control.jwks import b64url_encode
from access_control.keys import KeyRing
from access_control.online import validate as validate_online
from access_control.proof import DeviceKey
from access_control.qr import format_payload
from access_control.truck_slots import terminal_zone
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.db import session_scope
from mobility.freight.loader import load_freight
from mobility.redis_client import get_redis
from tests.access_control.gate_client.conftest import FakeServer, gate_config
from tests.access_control.server.conftest import RegisteredGate, admin, assert_problem, bearer
from tests.mobility.freight.conftest import shipped_text

# Open around the clock every day in the shipped data set, so a slot is running now.
OPEN_ALWAYS = "LIV-RORO"
OTHER_TERMINAL = "GOA-PRA"
ROME = ZoneInfo("Europe/Rome")


def firm(organisation: str = "ACME-LOG", scopes: frozenset[str] | None = None) -> dict[str, str]:
    return bearer(
        Principal(
            subject=f"dispatcher@{organisation.lower()}.example",
            kind=PrincipalKind.LOGISTICS,
            scopes=frozenset({Scope.FREIGHT_PLAN}) if scopes is None else scopes,
            organisation_id=organisation,
        )
    )


@pytest.fixture
def freight(client: TestClient) -> TestClient:
    with session_scope() as session:
        load_freight(session, shipped_text(), source="shipped.toml")
    return client


def current_slot(client: TestClient, code: str = OPEN_ALWAYS) -> dict[str, Any]:
    """The slot running now at a terminal open around the clock (slots are laid out per day of
    the data set's zone, so the day asked is Rome's, whatever the machine's zone)."""
    today = datetime.now(ROME).date().isoformat()
    response = client.get(f"/v1/freight/terminals/{code}/slots?date={today}", headers=firm())
    assert response.status_code == 200, response.text
    now = datetime.now(UTC)
    return next(
        slot
        for slot in response.json()["slots"]
        if datetime.fromisoformat(slot["starts_at"])
        <= now
        < datetime.fromisoformat(slot["ends_at"])
    )


def book(
    client: TestClient,
    slot: dict[str, Any],
    device: DeviceKey,
    *,
    key: str,
    teu: int = 2,
    organisation: str = "ACME-LOG",
    terminal: str = OPEN_ALWAYS,
) -> Any:
    return client.post(
        "/v1/freight/gate-slots",
        json={
            "terminal": terminal,
            "starts_at": slot["starts_at"],
            "plate": "fz 123-ab",
            "teu": teu,
            "device_key": b64url_encode(device.public_bytes),
        },
        headers={**firm(organisation), "Idempotency-Key": key},
    )


def terminal_gate(
    register: Callable[..., RegisteredGate], gate_id: str, code: str
) -> RegisteredGate:
    return register(
        gate_id,
        operator="TDT",
        location_kind="terminal",
        location_ref=code,
        gate_group=f"gate-{code}",
        network="FREIGHT",
        zones=[terminal_zone(code)],
    )


def scan(client: TestClient, gate: RegisteredGate, payload: str) -> dict[str, Any]:
    response = client.post(
        f"/v1/gates/{gate.id}/validate", json={"payload": payload}, headers=gate.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_slots_show_capacity_and_bookings(freight: TestClient) -> None:
    """Slots follow opening hours (none on a closed day), capacity is the gate's hourly TEU
    over the slot, and a booking takes its TEU off the free capacity."""
    sunday = "2026-11-29"  # SSM-RETRO is closed on Sundays
    closed = freight.get(f"/v1/freight/terminals/SSM-RETRO/slots?date={sunday}", headers=firm())
    assert closed.status_code == 200
    assert closed.json()["slots"] == []
    monday = freight.get(
        "/v1/freight/terminals/SSM-RETRO/slots?date=2026-11-30", headers=firm()
    ).json()
    assert monday["slot_minutes"] == 60
    assert len(monday["slots"]) == 16  # 06:00-22:00
    assert monday["slots"][0]["starts_at"].startswith("2026-11-30T06:00:00+01:00")
    assert {s["capacity_teu"] for s in monday["slots"]} == {80}
    slot = current_slot(freight)
    assert book(freight, slot, DeviceKey.generate(), key="k1", teu=3).status_code == 201
    again = current_slot(freight)
    assert again["booked_teu"] == 3
    assert again["free_teu"] == again["capacity_teu"] - 3
    missing = freight.get("/v1/freight/terminals/NOPE/slots?date=2026-11-30", headers=firm())
    assert assert_problem(missing, 404)["type"].endswith("terminal-not-found")


def test_booking_is_idempotent_and_validated(freight: TestClient) -> None:
    """The same key returns the same booking (200, not a second one); the same key with another
    body is a conflict; a start off the grid is 422; a full slot is 409."""
    slot = current_slot(freight)
    device = DeviceKey.generate()
    first = book(freight, slot, device, key="same")
    assert first.status_code == 201, first.text
    assert first.headers["cache-control"] == "no-store"
    retry = book(freight, slot, device, key="same")
    assert retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"]
    assert current_slot(freight)["booked_teu"] == 2
    assert_problem(book(freight, slot, device, key="same", teu=1), 409)
    odd = {
        **slot,
        "starts_at": (datetime.fromisoformat(slot["starts_at"]) + timedelta(minutes=7)).isoformat(),
    }
    assert assert_problem(book(freight, odd, device, key="odd"), 422)["type"].endswith(
        "gate-slot-not-offered"
    )
    assert first.json()["plate"] == "FZ123AB"
    far = (datetime.now(ROME) + timedelta(days=20)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    ahead = book(freight, {"starts_at": far.isoformat()}, device, key="far")
    assert "days ahead" in assert_problem(ahead, 422)["detail"]
    room = current_slot(freight)["free_teu"]
    for i in range(room // 4):
        assert book(freight, slot, device, key=f"fill{i}", teu=4).status_code == 201
    rest = current_slot(freight)["free_teu"]
    if rest:
        assert book(freight, slot, device, key="rest", teu=rest).status_code == 201
    full = book(freight, slot, device, key="over", teu=1)
    assert assert_problem(full, 409)["type"].endswith("gate-slot-full")


def test_other_firms_and_scopes(freight: TestClient) -> None:
    """Another firm's booking is 404 to read and to cancel; without freight:plan it is 403."""
    slot = current_slot(freight)
    made = book(freight, slot, DeviceKey.generate(), key="iso").json()
    other = firm("OTHER-LOG")
    assert freight.get(f"/v1/freight/gate-slots/{made['id']}", headers=other).status_code == 404
    assert freight.delete(f"/v1/freight/gate-slots/{made['id']}", headers=other).status_code == 404
    mine = freight.get(f"/v1/freight/gate-slots/{made['id']}", headers=firm())
    assert mine.json()["gate_pass"]["pass_id"] == f"GS-{made['id']}"
    no_scope = firm(scopes=frozenset({Scope.TRAFFIC_READ}))
    assert freight.get(f"/v1/freight/gate-slots/{made['id']}", headers=no_scope).status_code == 403


def test_pass_opens_its_terminal_in_its_window_only(
    freight: TestClient, register: Callable[..., RegisteredGate], engine: Engine
) -> None:
    """The slot's pass opens an entry gate of its terminal now; at another terminal's gate it
    is wrong_gate_zone; before and after its window it is refused; once cancelled, revoked."""
    here = terminal_gate(register, "G-RORO-E1", OPEN_ALWAYS)
    there = terminal_gate(register, "G-PRA-E1", OTHER_TERMINAL)
    slot = current_slot(freight)
    device = DeviceKey.generate()
    booked = book(freight, slot, device, key="pass").json()
    token = booked["gate_pass"]["token"]
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    valid_from = datetime.fromisoformat(booked["gate_pass"]["valid_from"])
    valid_until = datetime.fromisoformat(booked["gate_pass"]["valid_until"])
    assert valid_from == datetime.fromisoformat(slot["starts_at"]) - timedelta(minutes=15)
    assert valid_until == datetime.fromisoformat(slot["ends_at"]) + timedelta(minutes=15)

    assert (
        scan(freight, there, format_payload(token, device.prove(jti, datetime.now(UTC))))["code"]
        == "wrong_gate_zone"
    )
    with Session(engine) as session:
        from access_control.models import AccessGate

        gate = session.get_one(AccessGate, here.id)
        for moment, code in (
            (valid_from - timedelta(minutes=2), "not_yet_valid"),
            (valid_until + timedelta(minutes=2), "expired"),
        ):
            decision = validate_online(
                session,
                get_redis(),
                gate,
                format_payload(token, device.prove(jti, moment)),
                now=moment,
            )
            assert decision.code == code
        session.rollback()
    opened = scan(freight, here, format_payload(token, device.prove(jti, datetime.now(UTC))))
    assert opened["open"] is True, opened
    again = scan(freight, here, format_payload(token, device.prove(jti, datetime.now(UTC))))
    assert again["code"] == "already_used"  # one entry per booking

    second = book(freight, slot, device, key="cancelled").json()
    token2 = second["gate_pass"]["token"]
    jti2 = jwt.decode(token2, options={"verify_signature": False})["jti"]
    cancelled = freight.delete(f"/v1/freight/gate-slots/{second['id']}", headers=firm())
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["gate_pass"] is None
    assert (
        freight.delete(f"/v1/freight/gate-slots/{second['id']}", headers=firm()).status_code == 200
    )
    refused = scan(freight, here, format_payload(token2, device.prove(jti2, datetime.now(UTC))))
    assert refused["code"] == "revoked"
    with engine.connect() as conn:
        booked_teu = conn.execute(text("SELECT booked_teu FROM freight_gate_slots")).scalar()
    assert booked_teu == 2  # the cancelled booking's TEU are free again (once)


def test_offline_gate_decides_the_same(
    freight: TestClient, keyring: KeyRing, tmp_path: Path
) -> None:
    """An offline gate of the terminal (JWKS synced, zone T:<code>) opens for the pass in its
    window and refuses it at another terminal's gate and after the window."""
    slot = current_slot(freight)
    device = DeviceKey.generate()
    booked = book(freight, slot, device, key="offline").json()
    token = booked["gate_pass"]["token"]
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    now = datetime.now(UTC)
    server = FakeServer(keyring.jwks(now))
    with GateStore.open(tmp_path / "gate.sqlite") as store:

        def offline(code: str, gate_id: str) -> OfflineGate:
            gate = OfflineGate(
                gate_config(
                    gate_id=gate_id,
                    gate_group=f"gate-{code}",
                    operator="TDT",
                    network="FREIGHT",
                    zones=(terminal_zone(code),),
                ),
                store,
            )
            assert gate.sync(server, now).ok
            return gate

        there = offline(OTHER_TERMINAL, "G-PRA-E1")
        assert there.decide(format_payload(token, device.prove(jti, now)), now).code == (
            "wrong_gate_zone"
        )
        here = offline(OPEN_ALWAYS, "G-RORO-E1")
        late = datetime.fromisoformat(booked["gate_pass"]["valid_until"]) + timedelta(minutes=1)
        assert here.decide(format_payload(token, device.prove(jti, late)), late).code == "expired"
        assert here.decide(format_payload(token, device.prove(jti, now)), now).opened


def test_concurrent_bookings_never_overbook(freight: TestClient, engine: Engine) -> None:
    """Twenty firms booking 4 TEU each at once into a slot with room for fewer: the slot ends
    exactly full or under, never over, and every refusal is gate-slot-full."""
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    slot = current_slot(freight)
    capacity = slot["capacity_teu"]
    # Leave room for fewer than the contenders ask.
    pre = capacity - 10
    device = DeviceKey.generate()
    for i in range(pre // 4):
        assert book(freight, slot, device, key=f"pre{i}", teu=4).status_code == 201
    results: list[int] = []
    barrier = threading.Barrier(20)

    def contend(i: int) -> None:
        barrier.wait()
        results.append(
            book(freight, slot, device, key=f"c{i}", teu=4, organisation=f"F{i}").status_code
        )

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(results) <= {201, 409}
    with engine.connect() as conn:
        booked, cap = conn.execute(
            text("SELECT booked_teu, capacity_teu FROM freight_gate_slots")
        ).one()
        bookings = conn.execute(
            text(
                "SELECT COALESCE(SUM(teu), 0) FROM freight_gate_slot_bookings"
                " WHERE status = 'booked'"
            )
        ).scalar()
    assert booked <= cap
    assert booked == bookings
    assert results.count(201) == (cap - (pre // 4) * 4) // 4


def test_a_firm_lists_its_own_bookings_newest_first(freight: TestClient) -> None:
    """GET /v1/freight/gate-slots pages through the caller's organisation's bookings, newest
    first, without gate passes; another firm's never appear; an administrator acting for no
    organisation sees every firm's; bad paging is a 422 problem."""
    slot = current_slot(freight)
    device = DeviceKey.generate()
    first = book(freight, slot, device, key="list-1", teu=1).json()
    book(freight, slot, device, key="other", teu=1, organisation="OTHER-LOG")
    second = book(freight, slot, device, key="list-2", teu=1).json()
    freight.delete(f"/v1/freight/gate-slots/{first['id']}", headers=firm())
    page = freight.get("/v1/freight/gate-slots", headers=firm())
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["total"] == 2
    assert [b["id"] for b in body["items"]] == [second["id"], first["id"]]
    assert [b["status"] for b in body["items"]] == ["booked", "cancelled"]
    assert all(b["gate_pass"] is None for b in body["items"])
    assert {b["organisation_id"] for b in body["items"]} == {"ACME-LOG"}
    assert body["items"][0]["starts_at"] == slot["starts_at"]  # in the data set's zone
    paged = freight.get("/v1/freight/gate-slots?offset=1&limit=1", headers=firm()).json()
    assert ([b["id"] for b in paged["items"]], paged["total"]) == ([first["id"]], 2)
    theirs = freight.get("/v1/freight/gate-slots", headers=firm("OTHER-LOG")).json()
    assert theirs["total"] == 1
    assert theirs["items"][0]["organisation_id"] == "OTHER-LOG"
    everyone = freight.get("/v1/freight/gate-slots", headers=admin()).json()
    assert everyone["total"] == 3
    assert {b["organisation_id"] for b in everyone["items"]} == {"ACME-LOG", "OTHER-LOG"}
    assert_problem(freight.get("/v1/freight/gate-slots?limit=0", headers=firm()), 422)
    assert freight.get("/v1/freight/gate-slots").status_code == 401


def test_far_dates_are_a_problem(freight: TestClient) -> None:
    """A day far from today (or the calendar's last), or a booking at the calendar's end, is a
    422 problem, not a server error."""
    for day in ("9999-12-31", "2099-01-01"):
        response = freight.get(
            f"/v1/freight/terminals/{OPEN_ALWAYS}/slots?date={day}", headers=firm()
        )
        assert assert_problem(response, 422)["type"].endswith("gate-slot-date-out-of-range")
    ahead = book(freight, {"starts_at": "9999-12-31T23:00:00+00:00"}, DeviceKey.generate(), key="y")
    assert_problem(ahead, 422)

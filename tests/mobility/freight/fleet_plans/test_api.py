"""Fleet plans through the API and the worker path (the outbox's delivery), on both
databases: every returned plan keeps its request's constraints, runs are idempotent, firms are
isolated, gate slots become windows, and the webhook is signed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from access_control.jwks import b64url_encode
from access_control.proof import DeviceKey
from mobility import outbox
from mobility.auth.access_tokens import issue_access_token
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.db import get_engine, session_scope
from mobility.freight.fleet_plans.models import FleetPlan, PlanStatus
from mobility.freight.fleet_plans.service import FLEET_PLAN_RUN, FLEET_PLAN_WEBHOOK
from mobility.freight.loader import load_freight
from mobility.settings import get_settings
from routing.fleet.run import STALE_AFTER_BUDGET, _finish, _set, handle_fleet_plan_run
from routing.fleet.webhook import SIGNATURE_HEADER, handle_fleet_plan_webhook, verify_signature
from services.app import create_app
from tests.mobility.freight.conftest import shipped_text
from tests.mobility.freight.fleet_plans.factories import (
    ROME,
    at,
    job,
    plan_violations,
    port_day_request,
    truck_group,
)

JWT_SECRET = "fleet-plan-test-secret-" + "x" * 40
WEBHOOK_SECRET = "fleet-webhook-secret-" + "y" * 32


@pytest.fixture
def client(
    settings_env: None,  # noqa: ARG001
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
) -> Iterator[TestClient]:
    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("FLEET_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("SIGNING_KEY_FILE", str(tmp_path / "keys.json"))
    from access_control.keyring_provider import reset_keyring_cache
    from access_control.keys import KeyRing, generate_key, write_keyring_file
    from mobility.settings import get_settings

    write_keyring_file(tmp_path / "keys.json", KeyRing([generate_key("fp1")]))
    get_settings.cache_clear()
    reset_keyring_cache()
    monkeypatch.setitem(outbox._HANDLERS, FLEET_PLAN_RUN, handle_fleet_plan_run)
    monkeypatch.setitem(outbox._HANDLERS, FLEET_PLAN_WEBHOOK, handle_fleet_plan_webhook)
    with TestClient(create_app()) as made:
        with session_scope() as session:
            load_freight(session, shipped_text(), source="shipped.toml")
        yield made
    get_settings.cache_clear()
    reset_keyring_cache()


def firm(organisation: str = "ACME-LOG") -> dict[str, str]:
    principal = Principal(
        subject=f"planner@{organisation.lower()}.example",
        kind=PrincipalKind.LOGISTICS,
        scopes=frozenset({Scope.FREIGHT_PLAN}),
        organisation_id=organisation,
    )
    return {"Authorization": f"Bearer {issue_access_token(principal)}"}


def run_queued() -> None:
    """The worker's round: deliver whatever the outbox holds (runs, then webhooks)."""
    while outbox.dispatch_pending():
        pass


def create(client: TestClient, body: dict[str, Any], organisation: str = "ACME-LOG") -> str:
    response = client.post("/v1/freight/fleet-plans", json=body, headers=firm(organisation))
    assert response.status_code == 202, response.text
    plan_id: str = response.json()["id"]
    assert response.headers["location"] == f"/v1/freight/fleet-plans/{plan_id}"
    assert response.json()["status"] == "queued"
    return plan_id


def test_plan_runs_on_the_worker_and_keeps_every_constraint(
    client: TestClient, engine: Engine
) -> None:
    """The API only queues; the worker's dispatch solves; the plan serves every job, keeps
    windows, terminal hours, capacity, pairing and shifts, and its totals add up."""
    body = port_day_request()
    plan_id = create(client, body)
    assert client.get(f"/v1/freight/fleet-plans/{plan_id}", headers=firm()).json()["status"] == (
        "queued"
    )
    run_queued()
    state = client.get(f"/v1/freight/fleet-plans/{plan_id}", headers=firm()).json()
    assert (state["status"], state["progress"]) == ("done", 1.0), state
    result = state["result"]
    assert result["unassigned"] == []
    with Session(engine) as session:
        assert plan_violations(session, body, result) == []
    routes = result["routes"]
    totals = result["totals"]
    assert totals["cost_cents"] == sum(r["cost_cents"] for r in routes)
    assert totals["km"] == pytest.approx(sum(r["km"] for r in routes), abs=0.01)
    assert totals["co2e_kg"] == pytest.approx(sum(r["co2e_kg"] for r in routes), abs=0.01)
    factor = result["emission_factor"]["g_co2e_per_tkm"]
    for route in routes:
        group = next(g for g in body["trucks"] if g["id"] == route["truck_group"])
        leave, back = (datetime.fromisoformat(route[k]) for k in ("leave_at", "back_at"))
        hours = (back - leave).total_seconds() / 3600
        expected = (
            group["fixed_cost_cents"]
            + group["cost_per_km_cents"] * route["km"]
            + group["cost_per_hour_cents"] * hours
        )
        assert route["cost_cents"] == pytest.approx(expected, abs=1)
        assert route["co2e_kg"] == pytest.approx(route["tonne_km"] * factor / 1000, abs=0.01)
        # Tonne-km: nothing is carried on the way out of the depot.
        assert route["stops"][0]["kind"] == "pickup"
    assert totals["tonne_km"] > 0


def test_unservable_jobs_are_reported_with_their_reason(client: TestClient) -> None:
    """A job over every truck's capacity, one whose terminal is closed through its window and
    one whose window closes before any truck can arrive are unassigned, each saying why."""
    body = {
        "trucks": [truck_group(count=2, shift_start=at(0), shift_end=at(30))],
        "jobs": [
            job("BIG", {"terminal": "LIV-TDT"}, {"terminal": "GUA"}, teu=4),
            # SSM-RETRO closes at 22:00 and opens at 06:00: 22:30-23:30 finds it closed.
            job("SHUT", {"terminal": "SSM-RETRO"}, {"terminal": "GUA"}, pickup_window=(22.5, 23.5)),
            # La Spezia is over an hour from Livorno: a window ending at 00:20 is out of reach.
            job("FAR", {"terminal": "LSP-LSCT"}, {"terminal": "GUA"}, pickup_window=(0, 0.33)),
            job("OK", {"terminal": "LIV-TDT"}, {"terminal": "GUA"}),
        ],
        "time_budget_s": 1,
    }
    plan_id = create(client, body)
    run_queued()
    result = client.get(f"/v1/freight/fleet-plans/{plan_id}", headers=firm()).json()["result"]
    reasons = {u["job"]: u["reason"] for u in result["unassigned"]}
    assert set(reasons) == {"BIG", "SHUT", "FAR"}
    assert "capacity" in reasons["BIG"]
    assert reasons["SHUT"].startswith("pickup at SSM-RETRO")
    assert "closed" in reasons["SHUT"]
    assert "window closes" in reasons["FAR"]
    assert result["totals"]["jobs_assigned"] == 1


def test_run_is_idempotent(client: TestClient) -> None:
    """A second delivery of the run message neither solves again nor touches the result."""
    plan_id = create(client, port_day_request(time_budget_s=1))
    run_queued()
    with session_scope() as session:
        first = session.get_one(FleetPlan, plan_id)
        before = (first.result, first.started_at, first.finished_at)
    with session_scope() as session:
        handle_fleet_plan_run(session, {"plan_id": plan_id})
    with session_scope() as session:
        again = session.get_one(FleetPlan, plan_id)
        assert (again.result, again.started_at, again.finished_at) == before


def test_firms_never_see_each_others_plans(client: TestClient) -> None:
    """Another firm's plan is 404, like a plan that does not exist; no scope is 403."""
    plan_id = create(client, port_day_request(time_budget_s=1))
    other = client.get(f"/v1/freight/fleet-plans/{plan_id}", headers=firm("OTHER-LOG"))
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["type"].endswith("fleet-plan-not-found")
    planner = Principal(
        subject="p", kind=PrincipalKind.PLANNER, scopes=frozenset({Scope.TRAFFIC_READ})
    )
    denied = client.get(
        f"/v1/freight/fleet-plans/{plan_id}",
        headers={"Authorization": f"Bearer {issue_access_token(planner)}"},
    )
    assert denied.status_code == 403
    assert client.get(f"/v1/freight/fleet-plans/{plan_id}").status_code == 401


def test_bad_requests_are_problems(client: TestClient) -> None:
    """Unknown terminals, an unknown gate slot, a budget over the server's limit, a place both
    terminal and point, and times at the calendar's ends are 422 problem+json."""
    body = port_day_request()
    body["jobs"][0]["pickup"]["place"] = {"terminal": "NOWHERE"}
    response = client.post("/v1/freight/fleet-plans", json=body, headers=firm())
    assert response.status_code == 422
    assert "NOWHERE" in response.json()["detail"]
    body = port_day_request()
    body["jobs"][0]["pickup"]["gate_slot"] = "f" * 32
    assert (
        "jobs[0].pickup"
        in client.post("/v1/freight/fleet-plans", json=body, headers=firm()).json()["detail"]
    )
    too_long = client.post(
        "/v1/freight/fleet-plans", json=port_day_request(time_budget_s=3000), headers=firm()
    )
    assert too_long.status_code == 422
    mixed = port_day_request()
    mixed["jobs"][0]["pickup"]["place"] = {"terminal": "GUA", "lat": 43.6}
    assert client.post("/v1/freight/fleet-plans", json=mixed, headers=firm()).status_code == 422
    for shift_start in ("0001-01-01T00:30:00+01:00", "9999-12-31T23:00:00+00:00"):
        far = port_day_request(trucks=[truck_group(shift_start=shift_start)])
        response = client.post("/v1/freight/fleet-plans", json=far, headers=firm())
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")


def test_gate_slot_becomes_the_window(client: TestClient, engine: Engine) -> None:
    """A job naming a booked gate slot is served within the slot's window at that terminal;
    another firm's slot is refused."""
    today = datetime.now(ROME).date()  # slots are laid out per day of the data set's zone
    slots = [
        slot
        for day in (today, today + timedelta(days=1))
        for slot in client.get(
            f"/v1/freight/terminals/LIV-RORO/slots?date={day.isoformat()}", headers=firm()
        ).json()["slots"]
    ]
    # Two hours ahead: time to drive there from the customer.
    soon = datetime.now(UTC) + timedelta(hours=2)
    slot = next(s for s in slots if datetime.fromisoformat(s["starts_at"]) >= soon)
    booked = client.post(
        "/v1/freight/gate-slots",
        json={
            "terminal": "LIV-RORO",
            "starts_at": slot["starts_at"],
            "plate": "GA123BC",
            "teu": 1,
            "device_key": b64url_encode(DeviceKey.generate().public_bytes),
        },
        headers={**firm(), "Idempotency-Key": "slot-1"},
    )
    assert booked.status_code == 201, booked.text
    starts = datetime.fromisoformat(slot["starts_at"])
    customer = {"lat": 43.5200, "lon": 10.3400}  # an industrial yard south of Livorno
    body = {
        "trucks": [
            truck_group(
                count=1,
                shift_start=(starts - timedelta(hours=6)).isoformat(),
                shift_end=(starts + timedelta(hours=6)).isoformat(),
            )
        ],
        "jobs": [job("SLOT", customer, {"terminal": "LIV-RORO"})],
        "time_budget_s": 1,
    }
    body["jobs"][0]["delivery"]["gate_slot"] = booked.json()["id"]
    other = client.post("/v1/freight/fleet-plans", json=body, headers=firm("OTHER-LOG"))
    assert other.status_code == 422
    plan_id = create(client, body)
    run_queued()
    result = client.get(f"/v1/freight/fleet-plans/{plan_id}", headers=firm()).json()["result"]
    assert result["unassigned"] == []
    body["_slot_windows"] = {
        "SLOT:delivery": (
            datetime.fromisoformat(slot["starts_at"]),
            datetime.fromisoformat(slot["ends_at"]),
        )
    }
    with Session(engine) as session:
        assert plan_violations(session, body, result) == []
    delivery = datetime.fromisoformat(result["routes"][0]["stops"][1]["start"])
    assert starts <= delivery <= datetime.fromisoformat(slot["ends_at"])


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    fail_first: ClassVar[int] = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        status = 500 if type(self).fail_first > 0 else 204
        type(self).fail_first -= 1
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"received": [], "fail_first": 1})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/fleet", handler
    server.shutdown()
    server.server_close()


def test_webhook_is_signed_and_retried(
    client: TestClient, receiver: tuple[str, type[_Receiver]]
) -> None:
    """On completion the receiver gets a POST whose HMAC-SHA256 signature verifies with the
    shared secret; a first 500 is retried; the plan is done whatever the receiver answers."""
    url, handler = receiver
    plan_id = create(client, port_day_request(time_budget_s=1, webhook_url=url))
    run_queued()  # the run, then a first webhook attempt that gets 500
    state = client.get(f"/v1/freight/fleet-plans/{plan_id}", headers=firm()).json()
    assert state["status"] == "done"
    assert state["webhook"]["status"] == "pending"
    assert state["webhook"]["attempts"] == 1
    with session_scope() as session:  # the retry (the outbox would send it after its back-off)
        handle_fleet_plan_webhook(session, {"plan_id": plan_id})
    state = client.get(f"/v1/freight/fleet-plans/{plan_id}", headers=firm()).json()
    assert (state["webhook"]["status"], state["webhook"]["attempts"]) == ("delivered", 2)
    assert len(handler.received) == 2
    headers, body = handler.received[-1]
    signature = headers[SIGNATURE_HEADER]
    now = int(datetime.now(UTC).timestamp())
    assert verify_signature(WEBHOOK_SECRET.encode(), signature, body, now=now)
    assert not verify_signature(b"another-secret" * 3, signature, body, now=now)
    assert not verify_signature(WEBHOOK_SECRET.encode(), signature, body + b" ", now=now)
    notice = json.loads(body)
    assert (notice["plan_id"], notice["status"]) == (plan_id, "done")
    assert WEBHOOK_SECRET not in json.dumps(state)


def test_a_second_delivery_while_a_run_is_alive_waits(client: TestClient) -> None:
    """Through the outbox: while another run holds the plan (running, not overdue), a delivery
    neither solves nor touches the plan, and the message stays undelivered for a later retry;
    once that run is overdue (its worker died) a delivery takes the plan over and finishes it;
    the run that was taken over can then write nothing."""
    plan_id = create(client, port_day_request(time_budget_s=1))
    first_run = datetime.now(UTC)
    with session_scope() as session:
        plan = session.get_one(FleetPlan, plan_id)
        plan.status, plan.started_at, plan.progress = PlanStatus.RUNNING, first_run, 0.4
    assert outbox.dispatch_pending() == 0
    with session_scope() as session:
        plan = session.get_one(FleetPlan, plan_id)
        assert (plan.status, plan.started_at, plan.progress) == (PlanStatus.RUNNING, first_run, 0.4)
        assert plan.result is None
        message = session.scalars(
            select(outbox.OutboxMessage).where(outbox.OutboxMessage.topic == FLEET_PLAN_RUN)
        ).one()
        assert message.delivered_at is None
        assert message.last_error is not None
        assert message.last_error.startswith("PlanRunning")
        # The first run's worker died long ago; the retry is due.
        dead = datetime.now(UTC) - STALE_AFTER_BUDGET - timedelta(minutes=1)
        plan.started_at = dead
        message.available_at = datetime.now(UTC)
    run_queued()
    state = client.get(f"/v1/freight/fleet-plans/{plan_id}", headers=firm()).json()
    assert state["status"] == "done"
    factory = sessionmaker(bind=get_engine(), expire_on_commit=False)
    assert _finish(factory, plan_id, dead, status=PlanStatus.FAILED, error="late") == (
        PlanStatus.DONE
    )
    _set(factory, plan_id, dead, progress=0.2)
    assert client.get(f"/v1/freight/fleet-plans/{plan_id}", headers=firm()).json() == state


def test_a_firm_lists_its_own_plans_newest_first(client: TestClient) -> None:
    """GET /v1/freight/fleet-plans pages through the caller's organisation's plans, newest
    first, with totals once done and no routes; another firm's never appear; bad paging is a
    422 problem; an administrator acting for no organisation sees every firm's."""
    older = create(client, port_day_request(time_budget_s=1))
    create(client, port_day_request(time_budget_s=1), organisation="OTHER-LOG")
    run_queued()
    newer = create(client, port_day_request(time_budget_s=1))
    page = client.get("/v1/freight/fleet-plans", headers=firm())
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["total"] == 2
    assert [p["id"] for p in body["items"]] == [newer, older]
    assert [p["status"] for p in body["items"]] == ["queued", "done"]
    assert body["items"][0]["totals"] is None
    assert body["items"][1]["totals"]["jobs_assigned"] == 6
    assert "routes" not in body["items"][1]
    second = client.get("/v1/freight/fleet-plans?offset=1&limit=1", headers=firm()).json()
    assert [p["id"] for p in second["items"]] == [older]
    theirs = client.get("/v1/freight/fleet-plans", headers=firm("OTHER-LOG")).json()
    assert theirs["total"] == 1
    assert theirs["items"][0]["id"] not in {older, newer}
    bad = client.get("/v1/freight/fleet-plans?limit=500", headers=firm())
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    admin = Principal(subject="root", kind=PrincipalKind.ADMIN, scopes=frozenset({Scope.ADMIN}))
    everyone = client.get(
        "/v1/freight/fleet-plans", headers={"Authorization": f"Bearer {issue_access_token(admin)}"}
    )
    assert everyone.status_code == 200, everyone.text
    assert everyone.json()["total"] == 3


def test_too_many_trucks_or_a_long_webhook_url_are_problems(client: TestClient) -> None:
    """More trucks in all than one search takes, or a webhook URL longer than is stored, are
    422 problem+json before anything is queued."""
    many = port_day_request(
        trucks=[truck_group(count=200), truck_group("B", count=200), truck_group("C", count=200)]
    )
    response = client.post("/v1/freight/fleet-plans", json=many, headers=firm())
    assert response.status_code == 422
    assert "trucks in all" in response.text
    long_url = "http://127.0.0.1/" + "x" * 2100
    response = client.post(
        "/v1/freight/fleet-plans", json=port_day_request(webhook_url=long_url), headers=firm()
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert client.get("/v1/freight/fleet-plans", headers=firm()).json()["total"] == 0


def test_webhook_is_checked_again_before_delivery(
    client: TestClient,
    receiver: tuple[str, type[_Receiver]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A webhook accepted when the plan was made is checked again when it is due: where that
    check refuses it (here: production, where a plain-http loopback receiver is not allowed),
    nothing is sent, the webhook is failed for good and the plan stays done."""
    url, handler = receiver
    plan_id = create(client, port_day_request(time_budget_s=1, webhook_url=url))
    monkeypatch.setenv("ENVIRONMENT", "production")
    get_settings.cache_clear()
    run_queued()
    state = client.get(f"/v1/freight/fleet-plans/{plan_id}", headers=firm()).json()
    assert state["status"] == "done"
    assert (state["webhook"]["status"], state["webhook"]["attempts"]) == ("failed", 0)
    assert handler.received == []
    with session_scope() as session:
        assert session.get_one(FleetPlan, plan_id).webhook_error == "webhook_url must be https"

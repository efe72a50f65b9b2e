"""The freight endpoints end to end, with a logistics firm's access token and API key: routes,
a booking that holds capacity (and is checked again), idempotent retries, cancel, isolation
between firms, scopes, and problem+json for bad requests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mobility.db import session_scope
from mobility.freight.loader import load_freight_file
from services.app import create_app
from tests.mobility.freight.conftest import FREIGHT_FILE
from tests.services.roles import logistics_firm

JWT_SECRET = "freight-test-secret-" + "x" * 40
PROBLEM = "https://mobility.example/problems/"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def client(settings_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:  # noqa: ARG001
    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    # The requests below are for the week of 23 November 2026; bookings are made the day before.
    monkeypatch.setattr("services.freight_api.utc_now", lambda: NOW)
    from mobility.settings import get_settings

    get_settings.cache_clear()
    with session_scope() as session:
        load_freight_file(session, FREIGHT_FILE)
    with TestClient(create_app()) as made:
        yield made


def request(origin: str = "LSP-LSCT", dest: str = "MLZ", teu: int = 2, **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "origin": {"terminal": origin},
        "destination": {"terminal": dest},
        "cargo": {"teu": teu},
        "earliest_departure": "2026-11-23T08:00:00+01:00",
        "deadline": "2026-11-27T08:00:00+01:00",
    }
    body.update(kw)
    return body


def as_booking(route_request: dict[str, Any], route: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in route_request.items() if k not in ("weights", "limit", "candidates")}
    body["legs"] = [
        {
            "mode": leg["mode"],
            "from_terminal": leg["from_terminal"],
            "to_terminal": leg["to_terminal"],
            "service": leg["service"],
            "departure": leg["departure"] if leg["service"] else None,
        }
        for leg in route["legs"]
    ]
    return body


def rail_route(routes: list[dict[str, Any]]) -> dict[str, Any]:
    return next(r for r in routes if any(leg["service"] == "R-SPE-MLZ" for leg in r["legs"]))


def test_plan_book_read_cancel(client: TestClient) -> None:
    """A firm plans La Spezia -> Melzo, books the train route (201, Location), a retry with the
    same key returns the same booking (200), the other firm cannot see it (404), cancel
    releases it."""
    token, key = logistics_firm("acme")
    other, _ = logistics_firm("globex")
    asked = request(weights={"cost": 1, "time": 0, "co2e": 0})
    planned = client.post("/v1/freight/routes", json=asked, headers=token.headers)
    assert planned.status_code == 200, planned.text
    answer = planned.json()
    assert answer["road_times"] == "free_flow"
    assert answer["pareto_size"] == len(answer["routes"])
    costs = [r["cost"]["amount"] for r in answer["routes"]]
    assert costs == sorted(costs)
    assert answer["routes"][0]["rank"] == 1
    route = rail_route(answer["routes"])
    leg = route["legs"][0]
    assert (leg["departure"], leg["wait_min"]) == ("2026-11-23T19:00:00+01:00", 660)

    body = as_booking(asked, route)
    made = client.post(
        "/v1/freight/bookings", json=body, headers={**key.headers, "Idempotency-Key": "b-1"}
    )
    assert made.status_code == 201, made.text
    booking = made.json()
    assert made.headers["location"] == f"/v1/freight/bookings/{booking['id']}"
    assert booking["status"] == "confirmed"
    assert booking["organisation_id"] == "acme"
    assert booking["cost"] == route["cost"]
    assert booking["route"]["legs"] == route["legs"]
    assert booking["reservations"] == [
        {"service": "R-SPE-MLZ", "departure": "2026-11-23T18:00:00Z", "teu": 2}
    ]
    retry = client.post(
        "/v1/freight/bookings", json=body, headers={**token.headers, "Idempotency-Key": "b-1"}
    )
    assert (retry.status_code, retry.json()["id"]) == (200, booking["id"])
    reused = client.post(
        "/v1/freight/bookings",
        json={**body, "cargo": {"teu": 1}},
        headers={**token.headers, "Idempotency-Key": "b-1"},
    )
    assert reused.status_code == 409
    assert reused.json()["type"] == PROBLEM + "idempotency-key-reused"

    url = f"/v1/freight/bookings/{booking['id']}"
    assert client.get(url, headers=token.headers).json()["id"] == booking["id"]
    hidden = client.get(url, headers=other.headers)
    assert hidden.status_code == 404
    assert hidden.json()["type"] == PROBLEM + "freight-booking-not-found"
    assert client.delete(url, headers=other.headers).status_code == 404
    cancelled = client.delete(url, headers=token.headers)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert client.get(url, headers=token.headers).json()["cancelled_at"] is not None


def test_booked_capacity_changes_routes_and_rechecks_bookings(client: TestClient) -> None:
    """Once a firm books the whole 19:00 train, routes offer the next train instead, and
    booking the route offered before answers 409 freight-route-unavailable."""
    token, _ = logistics_firm("acme")
    asked = request()
    before = rail_route(
        client.post("/v1/freight/routes", json=asked, headers=token.headers).json()["routes"]
    )
    full = as_booking(request(teu=64), before)
    made = client.post(
        "/v1/freight/bookings", json=full, headers={**token.headers, "Idempotency-Key": "all"}
    )
    assert made.status_code == 201, made.text
    after = rail_route(
        client.post("/v1/freight/routes", json=asked, headers=token.headers).json()["routes"]
    )
    assert after["legs"][0]["departure"] == "2026-11-24T06:30:00+01:00"
    late = client.post(
        "/v1/freight/bookings",
        json=as_booking(asked, before),
        headers={**token.headers, "Idempotency-Key": "late"},
    )
    assert late.status_code == 409
    assert late.json()["type"] == PROBLEM + "freight-route-unavailable"
    assert "full" in late.json()["detail"]


def test_departures_past_their_cut_off_are_not_sold(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A route offered on Sunday cannot be booked once its train's cut-off has passed (Monday
    19:00 train, 4-hour cut-off: 15:00): 409 naming the closed departure, and nothing held."""
    token, _ = logistics_firm("acme")
    asked = request()
    route = rail_route(
        client.post("/v1/freight/routes", json=asked, headers=token.headers).json()["routes"]
    )
    monkeypatch.setattr(
        "services.freight_api.utc_now", lambda: datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    )
    late = client.post(
        "/v1/freight/bookings",
        json=as_booking(asked, route),
        headers={**token.headers, "Idempotency-Key": "too-late"},
    )
    assert late.status_code == 409
    assert late.json()["type"] == PROBLEM + "freight-route-unavailable"
    assert "closed for cargo at 2026-11-23T15:00:00+01:00" in late.json()["detail"]
    again = rail_route(
        client.post("/v1/freight/routes", json=asked, headers=token.headers).json()["routes"]
    )
    assert again["legs"] == route["legs"]  # no TEU were taken off the train


def test_coordinates_and_cargo_flags(client: TestClient) -> None:
    """A shipper's coordinates get first-mile legs from the point; hazardous cargo to Olbia
    has no route (the ro-pax ferry does not take it) while a reefer has."""
    token, _ = logistics_firm("acme")
    body = request(origin="GUA", dest="MLZ")
    body["origin"] = {"lat": 43.88, "lon": 11.08}
    routes = client.post("/v1/freight/routes", json=body, headers=token.headers).json()["routes"]
    assert routes
    assert all(r["legs"][0]["from_terminal"] is None for r in routes)
    booked = client.post(
        "/v1/freight/bookings",
        json=as_booking(body, routes[-1]),
        headers={**token.headers, "Idempotency-Key": "point"},
    )
    assert booked.status_code == 201, booked.text
    assert booked.json()["route"]["legs"] == routes[-1]["legs"]
    reefer = request("LIV-RORO", "OLB-RORO", cargo={"teu": 1, "reefer": True})
    assert client.post("/v1/freight/routes", json=reefer, headers=token.headers).json()["routes"]
    hazardous = request("LIV-RORO", "OLB-RORO", cargo={"teu": 1, "hazardous": True})
    assert (
        client.post("/v1/freight/routes", json=hazardous, headers=token.headers).json()["routes"]
        == []
    )


@pytest.mark.parametrize(
    ("body", "status", "type_"),
    [
        (request(origin="NOWHERE"), 422, "freight-terminal-unknown"),
        (request(teu=0), 422, "request-validation"),
        (request(deadline="2026-11-22T08:00:00+01:00"), 422, "request-validation"),
        (request(deadline="2026-11-27T08:00:00"), 422, "request-validation"),
        (
            {**request(), "origin": {"terminal": "MLZ", "lat": 1.0, "lon": 2.0}},
            422,
            "request-validation",
        ),
        (request(weights={"cost": 0, "time": 0, "co2e": 0}), 422, "request-validation"),
        (request(teu=10_001), 422, "request-validation"),
        ({**request(), "destination": {"lat": 95.0, "lon": 9.3}}, 422, "request-validation"),
        (request(deadline="2026-12-27T08:00:00+01:00"), 422, "request-validation"),
        (
            request(
                earliest_departure="0001-01-02T00:00:00+01:00",
                deadline="0001-01-05T00:00:00+01:00",
            ),
            422,
            "freight-query-invalid",
        ),
    ],
)
def test_bad_requests_are_problems(
    client: TestClient, body: dict[str, Any], status: int, type_: str
) -> None:
    """Unknown terminals, TEU <= 0 or beyond 10,000, a deadline before the departure, without an
    offset or more than 21 days on, a place that is both, a latitude past the pole, all-zero
    weights, dates outside the calendar the search expands: problem+json with a stable type."""
    token, _ = logistics_firm("acme")
    answer = client.post("/v1/freight/routes", json=body, headers=token.headers)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"] == PROBLEM + type_


def test_callers_need_credentials_scope_and_organisation(client: TestClient) -> None:
    """Anonymous callers get 401; bookings need an Idempotency-Key; a booking whose leg does not
    exist is a 409 naming the leg."""
    token, _ = logistics_firm("acme")
    assert client.post("/v1/freight/routes", json=request()).status_code == 401
    assert client.get("/v1/freight/bookings/x").status_code == 401
    body = as_booking(
        request(),
        {
            "legs": [
                {
                    "mode": "rail",
                    "from_terminal": "LSP-LSCT",
                    "to_terminal": "MLZ",
                    "service": "R-SPE-MLZ",
                    "departure": "2026-11-23T20:00:00+01:00",
                }
            ]
        },
    )
    missing = client.post("/v1/freight/bookings", json=body, headers=token.headers)
    assert missing.status_code == 400
    assert missing.json()["type"] == PROBLEM + "idempotency-key-missing"
    wrong = client.post(
        "/v1/freight/bookings", json=body, headers={**token.headers, "Idempotency-Key": "w"}
    )
    assert wrong.status_code == 409
    assert "leg 1" in wrong.json()["detail"]


class Everywhere:
    """Congestion in force with a travel-time index of 2 at every point."""

    def travel_time_index(self, lat: float, lon: float) -> float:  # noqa: ARG002
        return 2.0


def test_congestion_lengthens_road_legs(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the traffic side reports a travel-time index of 2 everywhere, truck legs take twice
    their free-flow time and the answer says road times were congested."""
    token, _ = logistics_firm("acme")
    body = request("LIV-TDT", "GUA")
    free = client.post("/v1/freight/routes", json=body, headers=token.headers).json()
    monkeypatch.setattr("routing.freight.road_times.congestion_snapshot", lambda *_: Everywhere())
    slow = client.post("/v1/freight/routes", json=body, headers=token.headers).json()

    def road_minutes(answer: dict[str, Any]) -> int:
        leg = next(r for r in answer["routes"] if r["legs"][0]["mode"] == "road")["legs"][0]
        return int(
            (
                datetime.fromisoformat(leg["arrival"]) - datetime.fromisoformat(leg["departure"])
            ).total_seconds()
            // 60
        )

    assert (free["road_times"], slow["road_times"]) == ("free_flow", "congested")
    assert road_minutes(slow) == 2 * road_minutes(free) == 46

"""The congestion endpoints: period bands, the fare zone map, publishing (either scope) and
the levels in force; problems as problem+json; scopes enforced."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mobility.auth.access_tokens import issue_access_token
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.db import get_sessionmaker, session_scope
from mobility.traffic import service as traffic
from services.app import create_app
from tests.mobility.traffic.conftest import NET, NODES, TRIPS
from tests.mobility.traffic.congestion.conftest import run_new_scenario
from tests.ticketing.catalogue.conftest import SMALL
from ticketing.catalogue.loader import load_tariffs

JWT_SECRET = "congestion-test-secret-" + "x" * 40
MONDAY_8 = "2026-11-23T08:00:00+01:00"


@pytest.fixture
def client(settings_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:  # noqa: ARG001
    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    from mobility.settings import get_settings

    get_settings.cache_clear()
    with TestClient(create_app()) as made:
        with session_scope() as session:
            traffic.import_tntp_network(session, "sioux-falls", NET, NODES, crs="EPSG:4326")
            traffic.import_tntp_trips(session, "sioux-falls", TRIPS, "car", "am")
            load_tariffs(session, SMALL, source="test")
        yield made


def headers(*scopes: str) -> dict[str, str]:
    principal = Principal(
        subject="planner@comune.li.it", kind=PrincipalKind.PLANNER, scopes=frozenset(scopes)
    )
    return {"Authorization": f"Bearer {issue_access_token(principal)}"}


def test_publish_and_read_levels(client: TestClient) -> None:
    """A planner sets the period's band and the fare zone map, publishes a finished scenario
    with scenarios:run, and the levels are listed in the band and not outside it; ticketing's
    bands carry the publication."""
    manage, read = headers(Scope.TRAFFIC_MANAGE), headers(Scope.TRAFFIC_READ)
    band = client.put(
        "/v1/traffic/periods/am/band",
        json={"start": "07:00", "end": "09:00", "weekdays": ["mon", "tue", "wed", "thu", "fri"]},
        headers=manage,
    )
    assert band.status_code == 200, band.text
    network_id = client.get("/v1/traffic/networks", headers=read).json()["items"][0]["id"]
    zones = [{"zone_id": z, "fare_zone": "Z1" if z <= 12 else "Z2"} for z in range(1, 25)]
    mapped = client.put(
        "/v1/traffic/fare-zone-map", json={"network_id": network_id, "zones": zones}, headers=manage
    )
    assert mapped.status_code == 200, mapped.text
    got = client.get(f"/v1/traffic/fare-zone-map?network_id={network_id}", headers=read).json()
    assert got["zones"] == zones
    scenario_id = run_new_scenario(get_sessionmaker())

    assert client.post(f"/v1/scenarios/{scenario_id}/publish").status_code == 401
    denied = client.post(f"/v1/scenarios/{scenario_id}/publish", headers=read)
    assert denied.status_code == 403
    assert "scenarios:run" in denied.json()["detail"]
    published = client.post(
        f"/v1/scenarios/{scenario_id}/publish",
        json={"policy": {"free": -500, "moderate": 0, "heavy": 1000, "severe": 2000}},
        headers=headers(Scope.SCENARIOS_RUN),
    )
    assert published.status_code == 200, published.text
    bands = published.json()["bands"]
    assert bands
    assert {b["scenario_id"] for b in bands} == {scenario_id}

    levels = client.get("/v1/traffic/congestion", params={"at": MONDAY_8}, headers=read).json()
    assert levels["scenario_id"] == scenario_id
    assert levels["period"] == "am"
    assert {z["fare_zone"] for z in levels["zones"]} == {"Z1", "Z2"}
    assert all(z["travel_time_index"] >= 1 for z in levels["zones"])
    sunday = "2026-11-22T08:00:00+01:00"
    outside = client.get("/v1/traffic/congestion", params={"at": sunday}, headers=read).json()
    assert (outside["scenario_id"], outside["zones"]) == (None, [])

    fares = client.get("/v1/catalogue/congestion-bands").json()["current"]
    assert fares["reason"].startswith(f"traffic publication {published.json()['id']}")


def test_problems(client: TestClient) -> None:
    """Unknown zones, duplicates, a bad policy, an unknown period, a band not in whole minutes
    and an unpublishable scenario are 4xx problems with stable types; reading cannot set the
    map."""
    manage = headers(Scope.TRAFFIC_MANAGE)
    listed = client.get("/v1/traffic/networks", headers=headers(Scope.TRAFFIC_READ)).json()
    nid = listed["items"][0]["id"]
    unknown = client.put(
        "/v1/traffic/fare-zone-map",
        json={"network_id": nid, "zones": [{"zone_id": 99, "fare_zone": "Z1"}]},
        headers=manage,
    )
    assert unknown.status_code == 422
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert unknown.json()["type"].endswith("/traffic-fare-zone-map-invalid")
    twice = client.put(
        "/v1/traffic/fare-zone-map",
        json={"network_id": nid, "zones": [{"zone_id": 1, "fare_zone": "Z1"}] * 2},
        headers=manage,
    )
    assert twice.status_code == 422
    reader = client.put(
        "/v1/traffic/fare-zone-map",
        json={"network_id": nid, "zones": []},
        headers=headers(Scope.TRAFFIC_READ),
    )
    assert reader.status_code == 403
    missing = client.put(
        "/v1/traffic/periods/nope/band", json={"start": "07:00", "end": "09:00"}, headers=manage
    )
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/traffic-period-not-found")
    seconds = client.put(
        "/v1/traffic/periods/am/band", json={"start": "07:00:30", "end": "09:00"}, headers=manage
    )
    assert seconds.status_code == 422
    assert "whole minutes" in seconds.json()["detail"]
    scenario_id = run_new_scenario(get_sessionmaker())
    bad_policy = client.post(
        f"/v1/scenarios/{scenario_id}/publish",
        json={"policy": {"free": 500, "severe": -100}},
        headers=manage,
    )
    assert bad_policy.status_code == 422
    no_band = client.post(f"/v1/scenarios/{scenario_id}/publish", headers=manage)
    assert no_band.status_code == 422
    assert no_band.json()["type"].endswith("/traffic-congestion-not-publishable")
    assert client.post("/v1/scenarios/999999/publish", headers=manage).status_code == 404


def test_scenario_congestion(client: TestClient) -> None:
    """A finished scenario's levels per zone are readable with traffic:read, published or not;
    anonymous callers get 401, other scopes 403, an unknown scenario 404 and one not yet run
    409, all problem+json."""
    scenario_id = run_new_scenario(get_sessionmaker())
    path = f"/v1/scenarios/{scenario_id}/congestion"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=headers(Scope.SCENARIOS_RUN)).status_code == 403
    got = client.get(path, headers=headers(Scope.TRAFFIC_READ))
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["scenario_id"], body["period"]) == (scenario_id, "am")
    assert len(body["zones"]) >= 18
    assert all(z["fare_zone"] is None and z["lat"] is not None for z in body["zones"])
    assert {z["level"] for z in body["zones"]} <= {"free", "moderate", "heavy", "severe"}
    unknown = client.get(
        f"/v1/scenarios/{scenario_id + 1000}/congestion", headers=headers(Scope.TRAFFIC_READ)
    )
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    queued = client.post(
        "/v1/scenarios",
        json={"name": "q", "network": "sioux-falls", "period": "am"},
        headers=headers(Scope.TRAFFIC_MANAGE),
    )
    assert queued.status_code == 202, queued.text
    not_done = client.get(
        f"/v1/scenarios/{queued.json()['id']}/congestion", headers=headers(Scope.TRAFFIC_READ)
    )
    assert not_done.status_code == 409
    assert not_done.json()["type"].endswith("/traffic-scenario-not-done")


def test_levels_need_an_offset(client: TestClient) -> None:
    """A moment without a UTC offset is refused (422 problem), not read in some time zone."""
    got = client.get(
        "/v1/traffic/congestion",
        params={"at": "2026-11-23T08:00:00"},
        headers=headers(Scope.TRAFFIC_READ),
    )
    assert got.status_code == 422
    assert got.json()["type"].endswith("/validation-failed")

"""The scenario endpoints: create (202, queued for the worker), run via the outbox, results,
comparison and map; invalid changes 422 naming the change; scopes enforced."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mobility import outbox
from mobility.auth.access_tokens import issue_access_token
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.db import session_scope
from mobility.traffic import service as traffic
from mobility.traffic.scenarios.service import SCENARIO_RUN
from routing.scenarios.run import handle_scenario_run
from services.app import create_app
from tests.mobility.traffic.conftest import NET, NODES, TRIPS

JWT_SECRET = "scenario-test-secret-" + "x" * 40


@pytest.fixture
def client(settings_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:  # noqa: ARG001
    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    from mobility.settings import get_settings

    get_settings.cache_clear()
    with TestClient(create_app()) as made:
        with session_scope() as session:
            traffic.import_tntp_network(session, "sioux-falls", NET, NODES, crs="EPSG:4326")
            traffic.import_tntp_trips(session, "sioux-falls", TRIPS, "car", "am")
        yield made


def headers(*scopes: str) -> dict[str, str]:
    principal = Principal(
        subject="planner@comune.li.it", kind=PrincipalKind.PLANNER, scopes=frozenset(scopes)
    )
    return {"Authorization": f"Bearer {issue_access_token(principal)}"}


def body(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"name": "test", "network": "sioux-falls", "period": "am", "changes": list(changes)}


def test_create_run_read_compare_and_map(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """POST queues (the API runs nothing); the worker's dispatch runs both; GET shows done with
    totals, links page, compare shows the closure's extra VHT, the map is GeoJSON."""
    manage = headers(Scope.TRAFFIC_MANAGE)
    created = client.post("/v1/scenarios", json=body(), headers=manage)
    assert created.status_code == 202, created.text
    base = created.json()["id"]
    assert created.headers["location"] == f"/v1/scenarios/{base}"
    assert created.json()["status"] == "queued"
    closed = client.post(
        "/v1/scenarios", json=body({"type": "close_link", "link": [10, 15]}), headers=manage
    ).json()["id"]

    read = headers(Scope.TRAFFIC_READ)
    assert client.get(f"/v1/scenarios/{base}", headers=read).json()["status"] == "queued"
    assert client.get(f"/v1/scenarios/{base}/links", headers=read).status_code == 409
    monkeypatch.setitem(outbox._HANDLERS, SCENARIO_RUN, handle_scenario_run)
    assert outbox.dispatch_pending() == 2
    assert outbox.dispatch_pending() == 0

    state = client.get(f"/v1/scenarios/{base}", headers=read).json()
    assert (state["status"], state["progress"]) == ("done", 1.0)
    assert state["gap"] <= 1e-4
    assert state["totals"]["vht_h"] > 0
    page = client.get(f"/v1/scenarios/{closed}/links?offset=0&limit=50", headers=read).json()
    assert (page["total"], len(page["items"])) == (76, 50)
    assert sum(item["vht"] for item in page["items"]) > 0

    comparison = client.get(
        f"/v1/scenarios/compare?base={base}&other={closed}", headers=read
    ).json()
    assert comparison["totals_diff"]["vht_h"] > 0
    assert len(comparison["top_links"]) == 10

    response = client.get(f"/v1/scenarios/{closed}/map", headers=read)
    assert response.headers["content-type"].startswith("application/geo+json")
    geo = response.json()
    assert (len(geo["features"]), geo["links_without_coordinates"]) == (76, 0)
    [link] = [
        f for f in geo["features"] if (f["properties"]["from_node"], f["properties"]["to_node"])
        == (10, 15)
    ]  # fmt: skip
    assert link["properties"]["closed"]
    assert link["properties"]["volume"] == 0

    for path in (
        f"/v1/scenarios/{closed}/map.png",
        f"/v1/scenarios/{closed}/convergence.png",
        f"/v1/scenarios/compare.png?base={base}&other={closed}",
    ):
        picture = client.get(path, headers=read)
        assert picture.status_code == 200, path
        assert picture.headers["content-type"] == "image/png"
        assert picture.content.startswith(b"\x89PNG")
    page = client.get(f"/v1/scenarios/{closed}/map.html", headers=read)
    assert page.headers["content-type"].startswith("text/html")
    assert page.text.count("data:image/png;base64,") == 2
    assert "vht_h" in page.text


@pytest.mark.parametrize(
    ("change", "index"),
    [
        ({"type": "close_link", "link": [1, 24]}, 1),
        ({"type": "set_speed", "link": 500, "kmh": 50}, 1),
        ({"type": "truck_surge", "zone": 99, "trucks": 10, "class": "car"}, 1),
    ],
)
def test_invalid_change_is_a_422_naming_it(
    client: TestClient, change: dict[str, Any], index: int
) -> None:
    """A change the network cannot take is refused with problem+json and the change index."""
    response = client.post(
        "/v1/scenarios",
        json=body({"type": "scale_demand", "factor": 1.1}, change),
        headers=headers(Scope.TRAFFIC_MANAGE),
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["change"] == index
    assert f"change {index}" in response.json()["detail"]


def test_scopes(client: TestClient) -> None:
    """Anonymous 401; reading does not allow creating (403); unknown scenario 404."""
    assert client.post("/v1/scenarios", json=body()).status_code == 401
    denied = client.post("/v1/scenarios", json=body(), headers=headers(Scope.TRAFFIC_READ))
    assert denied.status_code == 403
    assert client.get("/v1/scenarios/1").status_code == 401
    missing = client.get("/v1/scenarios/999999", headers=headers(Scope.TRAFFIC_READ))
    assert missing.status_code == 404

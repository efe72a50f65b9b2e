"""The road-network endpoints: traffic:read required; network detail and links as GeoJSON."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mobility.auth.access_tokens import issue_access_token
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.db import session_scope
from mobility.traffic import service
from services.app import create_app

from .conftest import NET, NODES, TRIPS

JWT_SECRET = "traffic-test-secret-" + "x" * 40


@pytest.fixture
def client(settings_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:  # noqa: ARG001
    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    from mobility.settings import get_settings

    get_settings.cache_clear()
    with TestClient(create_app()) as made:
        yield made


def headers(*scopes: str) -> dict[str, str]:
    principal = Principal(
        subject="planner@comune.li.it", kind=PrincipalKind.PLANNER, scopes=frozenset(scopes)
    )
    return {"Authorization": f"Bearer {issue_access_token(principal)}"}


def test_networks_need_traffic_read(client: TestClient) -> None:
    """Anonymous callers get 401, callers without traffic:read 403, both problem+json."""
    assert client.get("/v1/traffic/networks").status_code == 401
    denied = client.get("/v1/traffic/networks", headers=headers(Scope.PASSES_READ))
    assert denied.status_code == 403
    assert denied.headers["content-type"].startswith("application/problem+json")


def test_network_detail_and_links(client: TestClient) -> None:
    """A network lists with its counts and demand totals; links come as GeoJSON LineStrings
    between node coordinates; an unknown id is a 404 problem."""
    with session_scope() as session:
        network_id = service.import_tntp_network(
            session, "sioux-falls", NET, NODES, crs="EPSG:4326"
        ).network_id
        service.import_tntp_trips(session, "sioux-falls", TRIPS, "car", "am")
    auth = headers(Scope.TRAFFIC_READ)
    [listed] = client.get("/v1/traffic/networks", headers=auth).json()["items"]
    assert (listed["id"], listed["name"], listed["crs"]) == (network_id, "sioux-falls", "EPSG:4326")

    detail = client.get(f"/v1/traffic/networks/{network_id}", headers=auth).json()
    assert (detail["nodes"], detail["links"], detail["zones"]) == (24, 76, 24)
    [demand] = detail["demand"]
    assert (demand["class_code"], demand["period_code"], demand["od_pairs"]) == ("car", "am", 528)
    assert demand["total_pce"] == pytest.approx(360_600.0)

    response = client.get(f"/v1/traffic/networks/{network_id}/links.geojson", headers=auth)
    assert response.headers["content-type"].startswith("application/geo+json")
    features = response.json()["features"]
    assert len(features) == 76
    first = features[0]
    assert first["geometry"] == {
        "type": "LineString",
        "coordinates": [[-96.77041974, 43.61282792], [-96.71125063, 43.60581298]],
    }
    assert (first["properties"]["from_node"], first["properties"]["to_node"]) == (1, 2)

    missing = client.get("/v1/traffic/networks/999999", headers=auth)
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/traffic-network-not-found")

"""The catalogue endpoints: public listings, problem+json errors, and congestion-band edits
restricted to tariff managers and traffic planners."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mobility.auth.access_tokens import issue_access_token
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.db import session_scope
from services.app import create_app
from ticketing.catalogue.loader import load_tariffs

from .conftest import SAMPLE

JWT_SECRET = "catalogue-test-secret-" + "x" * 40
BANDS = "/v1/catalogue/congestion-bands"


@pytest.fixture
def client(settings_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:  # noqa: ARG001
    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    from mobility.settings import get_settings

    get_settings.cache_clear()
    with TestClient(create_app()) as made:
        yield made


@pytest.fixture
def loaded(client: TestClient) -> TestClient:
    with session_scope() as session:
        load_tariffs(session, SAMPLE.read_text(encoding="utf-8"), source="sample")
    return client


def headers(*scopes: str, kind: PrincipalKind = PrincipalKind.PLANNER) -> dict[str, str]:
    principal = Principal(subject="someone@comune.sp.it", kind=kind, scopes=frozenset(scopes))
    return {"Authorization": f"Bearer {issue_access_token(principal)}"}


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def test_listings_are_public(loaded: TestClient) -> None:
    """Operators, zones, categories and products are listed without credentials."""
    operators = loaded.get("/v1/catalogue/operators").json()["items"]
    assert {"ATC", "NGP", "AT", "TRENITALIA", "TOREMAR"} <= {o["id"] for o in operators}
    zones = {z["id"] for z in loaded.get("/v1/catalogue/zones").json()["items"]}
    assert {"SP-PORT", "LI-PORT", "LI-INTERPORTO"} <= zones
    categories = loaded.get("/v1/catalogue/rider-categories").json()["items"]
    assert {c["id"]: c["requires_proof"] for c in categories} == {
        "adult": False, "child": True, "resident": True, "senior": True, "student": True,
    }  # fmt: skip
    products = loaded.get("/v1/catalogue/products").json()["items"]
    assert len(products) == 20


def test_product_filters_and_detail(loaded: TestClient) -> None:
    """Products filter by kind and by operator; one product by id; 404 as problem+json."""
    tourist = loaded.get("/v1/catalogue/products", params={"kind": "tourist"}).json()["items"]
    assert {p["id"] for p in tourist} == {"GOLFO-3GG", "COSTA-TOUR-2"}
    ferries = loaded.get("/v1/catalogue/products", params={"operator": "TOREMAR"}).json()
    # Pay-as-you-go covers every operator, the ferry too.
    assert [p["id"] for p in ferries["items"]] == ["PAYG", "TOREMAR-LI-CAPRAIA"]
    bad_kind = loaded.get("/v1/catalogue/products", params={"kind": "lifetime"})
    problem(bad_kind, 422)
    day = loaded.get("/v1/catalogue/products/COSTA-DAY").json()
    assert day["kind"] == "day"
    assert day["service_days"] == 1
    assert day["prices"]["adult"] == 600
    missing = problem(loaded.get("/v1/catalogue/products/NOPE"), 404)
    assert missing["type"].endswith("/product-not-found")


def test_tariffs_before_and_after_a_load(client: TestClient) -> None:
    """Before any load the tariff version is a 409 problem; after, its checksum and time."""
    problem(client.get("/v1/catalogue/tariffs"), 409)
    with session_scope() as session:
        result = load_tariffs(session, SAMPLE.read_text(encoding="utf-8"), source="sample")
    body = client.get("/v1/catalogue/tariffs").json()
    assert body["checksum"] == result.checksum
    assert body["version_id"] == result.version_id
    assert body["authority_id"] == "costa-lt"
    assert body["service_day_start"] == "04:00"
    assert body["loaded_at"]


def test_congestion_put_needs_a_scope(loaded: TestClient) -> None:
    """Anonymous PUT is 401; a traveller-like scope is 403; either editing scope may PUT."""
    body = {"bands": [], "reason": "test"}
    problem(loaded.put(BANDS, json=body), 401)
    denied = problem(loaded.put(BANDS, json=body, headers=headers(Scope.PASSES_READ)), 403)
    assert denied["detail"] == "requires one of the scopes scenarios:run or tariffs:manage"
    for scope in (Scope.TARIFFS_MANAGE, Scope.SCENARIOS_RUN):
        response = loaded.put(BANDS, json=body, headers=headers(scope))
        assert response.status_code == 200, response.text
    admin = headers(Scope.ADMIN, kind=PrincipalKind.ADMIN)
    assert loaded.put(BANDS, json=body, headers=admin).status_code == 200


def test_congestion_put_keeps_history(loaded: TestClient) -> None:
    """A PUT appends a set: GET shows it in force and the file's set still in the history."""
    before = loaded.get(BANDS).json()
    assert len(before["current"]["bands"]) == 4
    assert len(before["history"]) == 1
    band = {"zone": "LI-PORT", "weekdays": ["sat"], "start": "09:00", "end": "13:00",
            "adjustment_bp": 1000}  # fmt: skip
    put = loaded.put(BANDS, json={"bands": [band], "reason": "cruise ships"},
                     headers=headers(Scope.SCENARIOS_RUN))  # fmt: skip
    assert put.status_code == 200, put.text
    created = put.json()
    assert created["author"] == "someone@comune.sp.it"
    assert created["bands"][0] == band
    after = loaded.get(BANDS).json()
    assert after["current"]["set_id"] == created["set_id"]
    assert [s["set_id"] for s in after["history"]] == [
        created["set_id"], before["current"]["set_id"],
    ]  # fmt: skip
    earlier = loaded.get(BANDS, params={"at": before["current"]["effective_from"]}).json()
    assert earlier["current"]["set_id"] == before["current"]["set_id"]


def test_congestion_put_validation(loaded: TestClient) -> None:
    """Unknown zones and surcharges above the maximum are 422 problems with paths; so are
    malformed bands (schema)."""
    scope = headers(Scope.TARIFFS_MANAGE)
    band = {"zone": "ATLANTIS", "weekdays": ["sat"], "start": "09:00", "end": "13:00",
            "adjustment_bp": 9000}  # fmt: skip
    body = problem(loaded.put(BANDS, json={"bands": [band]}, headers=scope), 422)
    assert {e["path"] for e in body["errors"]} == {"bands[0].zone", "bands[0].adjustment_bp"}
    band.update(zone="SP-PORT", adjustment_bp=100, start="25:00")
    problem(loaded.put(BANDS, json={"bands": [band]}, headers=scope), 422)
    assert len(loaded.get(BANDS).json()["history"]) == 1

"""GET /v1/clearing: JSON and CSV, scope clearing:read, operator staff see their own rows."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from mobility.db import session_scope
from tests.ticketing.ledger.support import admin, clearing_staff, traveller

from .factories import seed_october


def seeded() -> None:
    with session_scope() as session:
        seed_october(session)


def test_admin_sees_every_row_as_json(client: TestClient) -> None:
    """An administrator gets all operators' rows, totals and the rules' source."""
    seeded()
    response = client.get("/v1/clearing", params={"period": "2026-10"}, headers=admin())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"] == "2026-10"
    assert body["start"].startswith("2026-09-30T22:00:00")
    assert body["rules"].startswith("tariff version")
    keys = sorted((r["product_id"], r["operator_id"]) for r in body["rows"])
    assert keys == [
        ("BIGL", ""),
        ("MARE", "ATL"),
        ("MARE", "NAV"),
        ("SETT7", "ATL"),
        ("SETT7", "CTT"),
        ("payg", "ATL"),
    ]
    atl = next(t for t in body["operators"] if t["operator_id"] == "ATL")
    assert (atl["net"], atl["gross"], atl["fees"]) == (3429, 3771, 73)


def test_operator_staff_see_only_their_rows(client: TestClient) -> None:
    """Staff of CTT see CTT's rows only, in JSON and in CSV."""
    seeded()
    response = client.get(
        "/v1/clearing", params={"period": "2026-10"}, headers=clearing_staff("CTT")
    )
    assert response.status_code == 200
    assert {r["operator_id"] for r in response.json()["rows"]} == {"CTT"}
    assert [t["operator_id"] for t in response.json()["operators"]] == ["CTT"]
    as_csv = client.get(
        "/v1/clearing", params={"period": "2026-10", "format": "csv"}, headers=clearing_staff("CTT")
    )
    assert {r["operator_id"] for r in csv.DictReader(io.StringIO(as_csv.text))} == {"CTT"}


def test_csv_by_format_or_accept_header(client: TestClient) -> None:
    """format=csv or Accept: text/csv returns the same CSV attachment."""
    seeded()
    by_param = client.get(
        "/v1/clearing", params={"period": "2026-10", "format": "csv"}, headers=clearing_staff()
    )
    by_accept = client.get(
        "/v1/clearing",
        params={"period": "2026-10"},
        headers={**clearing_staff(), "Accept": "text/csv"},
    )
    for response in (by_param, by_accept):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert 'filename="clearing-2026-10.csv"' in response.headers["content-disposition"]
    assert by_param.text == by_accept.text
    rows = list(csv.DictReader(io.StringIO(by_param.text)))
    assert len(rows) == 6
    assert {r["period"] for r in rows} == {"2026-10"}


def test_errors_are_problem_json(client: TestClient) -> None:
    """A bad period is 422, a traveller 403, no credential 401: all problem+json."""
    cases = [
        ({"period": "2026-13"}, admin(), 422),
        ({"period": "2026-10"}, traveller(), 403),
        ({"period": "2026-10"}, {}, 401),
    ]
    for params, headers, status in cases:
        response = client.get("/v1/clearing", params=params, headers=headers)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
    bad = client.get("/v1/clearing", params={"period": "2026-13"}, headers=admin())
    assert bad.json()["type"].endswith("clearing-invalid-period")

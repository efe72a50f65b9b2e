"""The ledger endpoints: trial balance and account statements, for staff only."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from mobility.db import session_scope
from mobility.money import Money
from ticketing.ledger import service as ledger
from ticketing.ledger.service import SaleLine

from .support import admin, clearing_staff, traveller

T0 = datetime(2026, 10, 14, 9, 30, tzinfo=UTC)


def seed() -> None:
    with session_scope() as session:
        ledger.post_sale(
            session,
            order_id="o1",
            occurred_at=T0,
            provider="stripe",
            lines=[SaleLine("BIGL", Money(170), Money(15))],
        )
        ledger.post_fee(
            session, reference="payment:p1", occurred_at=T0, provider="stripe", amount=Money(30)
        )
        ledger.post(
            session,
            kind="apportionment",
            reference="clearing:2026-10:product:BIGL",
            occurred_at=T0,
            postings=[
                ledger.Posting("revenue:unallocated", Money(155), "BIGL", "ATL"),
                ledger.Posting("revenue:operator:ATL", Money(-155), "BIGL", "ATL"),
            ],
        )


def test_trial_balance_for_staff_sums_to_zero(client: TestClient) -> None:
    """The trial balance lists each account with its normal-side balance and totals zero."""
    seed()
    response = client.get("/v1/ledger/trial-balance", headers=clearing_staff())
    assert response.status_code == 200, response.text
    body = response.json()
    lines = {ln["account"]: ln for ln in body["lines"]}
    assert lines["cash:stripe"]["balance"] == 140
    assert lines["liability:vat"] == {
        "account": "liability:vat",
        "type": "liability",
        "currency": "EUR",
        "balance": -15,
        "normal_balance": 15,
    }
    assert lines["revenue:operator:ATL"]["normal_balance"] == 155
    assert lines["revenue:unallocated"]["balance"] == 0
    assert body["totals"] == [{"currency": "EUR", "total": 0}]
    before = client.get(
        "/v1/ledger/trial-balance", headers=admin(), params={"until": "2026-10-01T00:00:00+02:00"}
    )
    assert before.json()["lines"] == []


def test_trial_balance_refuses_operators_and_travellers(client: TestClient) -> None:
    """Operator staff and travellers get 403 problem+json; no credential gets 401."""
    for headers, status in ((clearing_staff("ATL"), 403), (traveller(), 403), ({}, 401)):
        response = client.get("/v1/ledger/trial-balance", headers=headers)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"


def test_account_statement_and_operator_scoping(client: TestClient) -> None:
    """An account shows balance and postings; operators read only their revenue account."""
    seed()
    response = client.get("/v1/ledger/accounts/cash:stripe", headers=admin())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "asset"
    assert body["balances"] == [{"currency": "EUR", "balance": 140}]
    assert sorted(p["amount"] for p in body["postings"]) == [-30, 170]
    own = client.get("/v1/ledger/accounts/revenue:operator:ATL", headers=clearing_staff("ATL"))
    assert own.status_code == 200
    assert own.json()["postings"][0]["reference"] == "clearing:2026-10:product:BIGL"
    other = client.get("/v1/ledger/accounts/cash:stripe", headers=clearing_staff("ATL"))
    assert other.status_code == 403
    missing = client.get("/v1/ledger/accounts/revenue:operator:NOPE", headers=admin())
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("ledger-account-not-found")
    bad = client.get("/v1/ledger/accounts/bogus", headers=admin())
    assert bad.status_code == 404

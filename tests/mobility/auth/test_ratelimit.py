"""Rate limits beyond the login form: API-key authentication failures per client address and
purchases per caller, on real Redis, answered 429 problem+json with Retry-After."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mobility.errors import PROBLEM_BASE
from mobility.settings import get_settings
from tests.services.roles import all_callers
from tests.ticketing.shop import Shop


@pytest.fixture
def tight_limits(monkeypatch: pytest.MonkeyPatch, shop: Shop) -> Iterator[Shop]:
    monkeypatch.setenv("API_KEY_FAILURE_RATE_LIMIT", "3/minute")
    monkeypatch.setenv("PURCHASE_RATE_LIMIT", "2/minute")
    get_settings.cache_clear()
    yield shop
    get_settings.cache_clear()


def _rate_limited(response: Any) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == PROBLEM_BASE + "rate-limited"
    assert 1 <= int(response.headers["retry-after"]) <= 60


def test_api_key_failures_from_one_address_are_limited(tight_limits: Shop) -> None:
    """Three bad keys from one address are 401 each, the next ones 429; good keys from that
    address, before and after, are never throttled (a busy gate), and another address's bad
    key is still a plain 401."""
    app = tight_limits.client.app
    good = all_callers()["gate"].headers
    bad = {"X-API-Key": "mob_0123456789abcdef_" + "A" * 43}
    with (
        TestClient(app, client=("192.0.2.7", 5000)) as busy,
        TestClient(app, client=("192.0.2.8", 5000)) as calm,
    ):
        for _ in range(5):
            assert busy.get("/v1/gates/G-MATRIX", headers=good).status_code == 404
        assert [busy.get("/v1/gates/G1", headers=bad).status_code for _ in range(3)] == [401] * 3
        _rate_limited(busy.get("/v1/gates/G1", headers=bad))
        _rate_limited(
            busy.get("/v1/gates/G1", headers={"Authorization": f"ApiKey {bad['X-API-Key']}"})
        )
        assert busy.get("/v1/gates/G-MATRIX", headers=good).status_code == 404
        assert calm.get("/v1/gates/G1", headers=bad).status_code == 401


def test_purchases_are_limited_per_caller(tight_limits: Shop) -> None:
    """A traveller's third order within the window is 429 with Retry-After, and so is a
    payment confirmation (one purchase window); another traveller still buys."""
    shop = tight_limits
    eager, other = shop.traveller(), shop.traveller()
    lines = [{"product_id": "SP-90"}]
    first = shop.order(eager, lines)
    assert first.status_code == 201, first.text
    assert shop.order(eager, lines).status_code == 201
    _rate_limited(shop.order(eager, lines))
    confirm = shop.client.post(
        f"/v1/orders/{first.json()['id']}/confirm",
        json={"payment_method": "pm_card_visa"},
        headers=eager.headers,
    )
    _rate_limited(confirm)
    assert shop.order(other, lines).status_code == 201


def test_a_forged_forwarded_for_does_not_buy_fresh_attempts(tight_limits: Shop) -> None:
    """The application counts the peer address the server gives it; X-Forwarded-For is
    believed only by the server, for configured proxies (FORWARDED_ALLOW_IPS), so a caller
    rotating the header from one address still meets the limit on its fourth bad key."""
    bad = {"X-API-Key": "mob_fedcba9876543210_" + "B" * 43}
    with TestClient(tight_limits.client.app, client=("192.0.2.77", 5000)) as forger:
        codes = [
            forger.get(
                "/v1/gates/G1", headers={**bad, "X-Forwarded-For": f"203.0.113.{i}"}
            ).status_code
            for i in range(3)
        ]
        assert codes == [401, 401, 401]
        _rate_limited(forger.get("/v1/gates/G1", headers={**bad, "X-Forwarded-For": "10.9.8.7"}))

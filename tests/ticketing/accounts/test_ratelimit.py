"""Rate limits of the auth endpoints: per client address and per account, 429 problem+json
with Retry-After, on real Redis, on the embedded fakeredis, and in process when Redis is down."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import fakeredis
import pytest
import redis as redis_lib
from fastapi import FastAPI
from fastapi.testclient import TestClient
from redis.backoff import NoBackoff
from redis.retry import Retry

from mobility.redis_client import get_redis
from ticketing.accounts.errors import RateLimited
from ticketing.accounts.ratelimit import AuthRateLimiter

from .conftest import PASSWORD, assert_problem


@pytest.fixture
def rate_limit() -> str:
    return "3/minute"


def login(client: TestClient, email: str, password: str = "wrong password here") -> int:
    body = {"grant_type": "password", "email": email, "password": password}
    return client.post("/v1/auth/token", json=body).status_code


@pytest.fixture
def client_at(app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    """Clients calling from a given address."""
    made: list[TestClient] = []

    def make(address: str) -> TestClient:
        client = TestClient(app, client=(address, 40000))
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def test_logins_from_one_address_are_limited(client_at: Callable[[str], TestClient]) -> None:
    """The fourth login attempt within the minute from one address is 429, whichever emails
    it tries, with Retry-After within the window."""
    client = client_at("192.0.2.10")
    assert [login(client, f"user{i}@example.it") for i in range(3)] == [401, 401, 401]
    response = client.post(
        "/v1/auth/token",
        json={"grant_type": "password", "email": "user9@example.it", "password": "x"},
    )
    body = assert_problem(response, 429, "rate-limited")
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert body["retry_after"] == retry_after
    other_address = client_at("192.0.2.11")
    assert login(other_address, "user9@example.it") == 401


def test_logins_to_one_account_are_limited_across_addresses(
    client_at: Callable[[str], TestClient],
) -> None:
    """Guessing one account's password from many addresses meets the per-account window,
    whatever the case of the email."""
    emails = ["anna@example.it", "ANNA@example.it", "Anna@Example.IT"]
    codes = [login(client_at(f"198.51.100.{i}"), email) for i, email in enumerate(emails)]
    assert codes == [401, 401, 401]
    assert login(client_at("198.51.100.99"), "anna@example.it") == 429
    assert login(client_at("198.51.100.99"), "bruno@example.it") == 401


def test_registration_is_limited(client_at: Callable[[str], TestClient]) -> None:
    """Mass sign-ups from one address are cut at the limit."""
    client = client_at("203.0.113.5")
    codes = [
        client.post(
            "/v1/auth/register",
            json={"email": f"p{i}@example.it", "password": "short", "display_name": "P"},
        ).status_code
        for i in range(4)
    ]
    assert codes == [422, 422, 422, 429]


def test_refresh_is_limited(client_at: Callable[[str], TestClient]) -> None:
    """Cycling refresh tokens from one address is cut at the limit."""
    client = client_at("203.0.113.6")
    codes = [
        client.post(
            "/v1/auth/token",
            json={"grant_type": "refresh_token", "refresh_token": f"rt_{i:016x}_" + "A" * 43},
        ).status_code
        for i in range(4)
    ]
    assert codes == [401, 401, 401, 429]


class BrokenRedis(redis_lib.Redis):
    """A client whose server is unreachable (nothing listens on port 1), failing fast."""

    def __init__(self) -> None:
        super().__init__(
            host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
        )


def test_login_works_and_stays_limited_when_redis_is_down(
    app: FastAPI, client: TestClient, client_at: Callable[[str], TestClient]
) -> None:
    """An unreachable Redis neither locks travellers out nor lifts the limit: logins succeed,
    counted in this process, and the attempt past the window is still 429."""
    email = f"anna-{uuid.uuid4().hex[:8]}@example.it"
    registered = client.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, "display_name": "Anna"}
    )
    assert registered.status_code == 201, registered.text
    # An address no other test uses: the in-process windows outlive this test's app.
    caller = client_at(f"redis-down-{uuid.uuid4().hex[:8]}")
    app.dependency_overrides[get_redis] = BrokenRedis
    try:
        codes = [login(caller, email, PASSWORD) for _ in range(4)]
    finally:
        app.dependency_overrides.clear()
    assert codes == [200, 200, 200, 429]


def test_the_embedded_fakeredis_limits_in_process() -> None:
    """With the embedded default's fakeredis (no Lua) the same windows hold in process."""
    limiter = AuthRateLimiter.build(fakeredis.FakeRedis(), "2/minute")
    address = f"ip-{uuid.uuid4().hex}"
    limiter.hit("login", client_ip=address, account="anna@example.it")
    limiter.hit("login", client_ip=address, account="bruno@example.it")
    with pytest.raises(RateLimited) as raised:
        limiter.hit("login", client_ip=address, account="carla@example.it")
    assert raised.value.status == 429
    assert 1 <= int(raised.value.headers["Retry-After"]) <= 60
    limiter.hit("register", client_ip=address)  # another action, another window

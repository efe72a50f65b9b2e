"""Problem handlers: an unreachable backing service is a 503 with Retry-After, never a 500;
the documented responses of a route list every problem it may answer."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from mobility.errors import MobilityError
from mobility.problems import PROBLEM_MEDIA_TYPE, install_problem_handlers, problem_responses


def _failing_app(exc: Exception) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    "exc",
    [
        OperationalError("SELECT 1", {}, Exception("connection refused to db.internal:5432")),
        PoolTimeoutError("QueuePool limit of size 10 overflow 30 reached, internal"),
        RedisConnectionError("Error 111 connecting to cache.internal:6379"),
    ],
    ids=["postgresql-down", "pool-exhausted", "redis-down"],
)
def test_unreachable_service_is_503_with_retry_after(exc: Exception) -> None:
    """An unreachable database or Redis answers 503 problem+json with Retry-After, and the
    driver's message (which names internal hosts) is not echoed to the caller."""
    response = _failing_app(exc).get("/boom")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["type"].endswith("/service-unavailable")
    assert "internal" not in response.text


def test_other_errors_stay_500() -> None:
    """Only unavailability is 503: any other unexpected error is still a 500 problem."""
    response = _failing_app(RuntimeError("bug")).get("/boom")
    assert response.status_code == 500
    assert response.json()["type"].endswith("/internal-error")


def test_problem_responses_list_every_problem_of_a_status() -> None:
    """Two domain errors with the same status both appear in the route's documented
    responses (the second does not overwrite the first)."""

    class First(MobilityError):
        status = 409
        type_slug = "first-conflict"
        title = "First conflict"

    class Second(MobilityError):
        status = 409
        type_slug = "second-conflict"
        title = "Second conflict"

    description = problem_responses(First, Second)[409]["description"]
    assert "First conflict" in description
    assert "Second conflict" in description

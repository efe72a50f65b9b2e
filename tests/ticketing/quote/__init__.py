"""POST /v1/fares/quote through HTTP; request helpers shared by the test modules."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

QUOTE = "/v1/fares/quote"


def leg(
    feed: str, route: str, from_stop: str, to_stop: str, departure: str, arrival: str, **kw: Any
) -> dict[str, Any]:
    """One leg of a request body; times are ISO 8601 with their UTC offset."""
    return {
        "feed": feed,
        "route_id": route,
        "from_stop_id": from_stop,
        "to_stop_id": to_stop,
        "departure": departure,
        "arrival": arrival,
        **kw,
    }


def post_quote(client: TestClient, *legs: dict[str, Any], **body: Any) -> dict[str, Any]:
    """A quote that must succeed: its JSON body."""
    r = client.post(QUOTE, json={"legs": list(legs), **body})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    return r.json()  # type: ignore[no-any-return]


def problem(
    client: TestClient, status: int, slug: str, *legs: dict[str, Any], **body: Any
) -> dict[str, Any]:
    """A quote that must fail with `status` and problem type `slug`: the problem body."""
    r = client.post(QUOTE, json={"legs": list(legs), **body})
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    out: dict[str, Any] = r.json()
    assert out["type"] == f"https://mobility.example/problems/{slug}", out
    return out


def amounts(quote: dict[str, Any]) -> list[tuple[list[int], int, str | None]]:
    """(legs, amount, fare_product_id) of each line, in order."""
    return [(ln["legs"], ln["amount"], ln["fare_product_id"]) for ln in quote["lines"]]

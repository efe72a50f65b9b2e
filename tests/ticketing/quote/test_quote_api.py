"""POST /v1/fares/quote on small hand-made feeds: errors, the per-version cache, the contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from gtfs.importer import import_feed
from tests.ticketing.quote import QUOTE, leg, post_quote, problem
from ticketing.fares.cache import fares_cache

BASE = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
    "A,Coastal Bus,https://example.org,Europe/Rome\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
    "STA,Livorno Centrale,43.5535,10.3327,1,\n"
    "P1,Livorno Centrale bay 1,43.5536,10.3328,0,STA\n"
    "M,Mercato,43.5500,10.3100,0,\n"
    "PORT,Porto,43.5450,10.3000,0,\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nR1,A,1,3\nR2,A,2,3\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
    "start_date,end_date\nWK,1,1,1,1,1,1,1,20260101,20261231\n",
    "trips.txt": "route_id,service_id,trip_id\nR1,WK,T1\nR2,WK,T2\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    "T1,08:00:00,08:00:00,P1,1\nT1,08:10:00,08:10:00,M,2\nT1,08:20:00,08:20:00,PORT,3\n"
    "T2,08:30:00,08:30:00,PORT,1\nT2,08:45:00,08:45:00,P1,2\n",
}


def fares_files(amount: str) -> dict[str, str]:
    """Fares v2: every leg is leg group `bus`, product `single` at `amount` EUR."""
    return {
        "fare_products.txt": f"fare_product_id,fare_product_name,amount,currency\n"
        f"single,Corsa semplice,{amount},EUR\n",
        "fare_leg_rules.txt": "leg_group_id,fare_product_id\nbus,single\n",
    }


def write_feed(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


def import_mini(engine: Engine, folder: Path, amount: str | None = "1.50", feed: str = "li") -> int:
    files = BASE | (fares_files(amount) if amount is not None else {})
    return import_feed(engine, write_feed(folder, files), feed).version_id


def ride(
    route: str = "R1",
    from_stop: str = "P1",
    to_stop: str = "PORT",
    dep: str = "08:00",
    arr: str = "08:20",
    feed: str = "li",
    **kw: Any,
) -> dict[str, Any]:
    return leg(
        feed,
        route,
        from_stop,
        to_stop,
        f"2026-03-11T{dep}:00+01:00",
        f"2026-03-11T{arr}:00+01:00",
        **kw,
    )


def test_mini_feed_prices_with_its_leg_rule(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    """The one leg rule prices each ride at 1.50 EUR; a station and via stops are accepted."""
    version = import_mini(engine, tmp_path / "v1")
    q = post_quote(client, ride(via_stop_ids=["M"]), ride("R2", "PORT", "STA", "08:30", "08:45"))
    assert q["total"] == {"amount": 300, "currency": "EUR"}
    assert q["feed_version_id"] == version
    assert [(ln["legs"], ln["amount"], ln["product_name"]) for ln in q["lines"]] == [
        ([0], 150, "Corsa semplice"),
        ([1], 150, "Corsa semplice"),
    ]
    assert q["lines"][0]["rule"] == {"file": "fare_leg_rules.txt", "line": 2, "key": "bus"}


def test_new_version_invalidates_the_cached_fares(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    """Fares load once per version; importing a new version prices with the new fares."""
    first = import_mini(engine, tmp_path / "v1", "1.50")
    loads = fares_cache.loads
    assert post_quote(client, ride())["total"]["amount"] == 150
    assert post_quote(client, ride())["total"]["amount"] == 150
    assert fares_cache.loads == loads + 1
    assert fares_cache.cached_version("li") == first

    second = import_mini(engine, tmp_path / "v2", "1.70")
    assert second != first
    q = post_quote(client, ride())
    assert (q["total"]["amount"], q["feed_version_id"]) == (170, second)
    assert fares_cache.loads == loads + 2
    assert fares_cache.cached_version("li") == second


def test_unknown_feed_is_404(client: TestClient, engine: Engine, tmp_path: Path) -> None:
    """A feed never imported is a 404 feed-not-found problem."""
    import_mini(engine, tmp_path / "v1")
    body = problem(client, 404, "feed-not-found", ride(feed="nowhere"))
    assert "nowhere" in body["detail"]


def test_unknown_stop_or_route_names_the_leg(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    """A stop or route absent from the current version is a 422 naming the leg and field."""
    import_mini(engine, tmp_path / "v1")
    good = ride()
    body = problem(client, 422, "unknown-stop", good, ride("R2", "PORT", "NOPE", "08:30", "08:45"))
    assert (body["leg"], body["field"]) == (1, "to_stop_id")
    assert "leg 1" in body["detail"]
    body = problem(client, 422, "unknown-stop", ride(via_stop_ids=["M", "X"]))
    assert (body["leg"], body["field"]) == (0, "via_stop_ids")
    body = problem(client, 422, "unknown-route", good, ride("R9", "PORT", "STA", "08:30", "08:45"))
    assert (body["leg"], body["field"]) == (1, "route_id")


def test_request_validation(client: TestClient, engine: Engine, tmp_path: Path) -> None:
    """Naive datetimes, no legs, more than 12 legs: 422 request-validation naming the field."""
    import_mini(engine, tmp_path / "v1")
    naive = ride() | {"departure": "2026-03-11T08:00:00"}
    body = problem(client, 422, "request-validation", naive)
    assert ["body", "legs", 0, "departure"] in [e["loc"] for e in body["errors"]]
    problem(client, 422, "request-validation")
    problem(client, 422, "request-validation", *[ride()] * 13)
    problem(client, 422, "request-validation", ride(route=""))


def test_itinerary_that_cannot_be_priced_as_given(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    """Arriving before departing, overlapping legs and legs of two feeds are invalid."""
    import_mini(engine, tmp_path / "v1")
    import_mini(engine, tmp_path / "other", feed="pi")
    body = problem(client, 422, "invalid-itinerary", ride(dep="08:20", arr="08:00"))
    assert (body["leg"], body["detail"][:6]) == (0, "leg 0:")
    body = problem(client, 422, "invalid-itinerary", ride(), ride(dep="08:10", arr="08:30"))
    assert "leg 1 departs before leg 0 arrives" in body["detail"]
    body = problem(
        client, 422, "invalid-itinerary", ride(), ride(dep="09:00", arr="09:20", feed="pi")
    )
    assert "several feeds" in body["detail"]


def test_feed_without_fares(client: TestClient, engine: Engine, tmp_path: Path) -> None:
    """A feed with neither Fares v2 nor v1 files is 422 no-fares-in-feed, not a price of 0."""
    import_mini(engine, tmp_path / "v1", amount=None)
    problem(client, 422, "no-fares-in-feed", ride())


def test_endpoint_is_public_and_documents_its_problems(client: TestClient) -> None:
    """No credentials needed; OpenAPI lists the 200 body and the 404/422 problems."""
    op = client.get("/openapi.json").json()["paths"][QUOTE]["post"]
    assert "security" not in op
    assert {"200", "404", "422"} <= set(op["responses"])
    assert "no-fare-applies" in op["responses"]["422"]["description"]
    assert "unknown-stop" in op["responses"]["422"]["description"]
    r = client.post(QUOTE, json={"legs": [ride()]})
    assert r.status_code == 404  # no feed imported: reached the service without credentials

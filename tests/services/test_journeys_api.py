"""GET /v1/journeys: journeys planned by routing, priced by the feed's own fares (the same
price the quote endpoint gives for the same rides), problems for bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gtfs.importer import import_feed
from gtfs.realtime.service import ingest
from mobility.db import get_engine
from mobility.redis_client import get_redis
from services.app import create_app
from tests.gtfs.feeds import GOOD, write_feed
from tests.gtfs_realtime.factories import FeedBuilder, stop

WEEKDAY = "2024-03-05"  # a Tuesday inside calendar WD of the hand-written feed


@pytest.fixture
def client(settings_env: None, tmp_path: Path) -> Iterator[TestClient]:  # noqa: ARG001
    import_feed(get_engine(), write_feed(tmp_path / "good", GOOD), "ctl")
    with TestClient(create_app(check_migrations=False)) as made:
        yield made


def test_a_journey_is_planned_and_priced_like_its_quote(client: TestClient) -> None:
    """Corso Buenos Aires to Nervi at 07:55: route 15 at 08:00, arriving 08:30; its price is
    what POST /v1/fares/quote answers for that ride."""
    response = client.get(
        "/v1/journeys",
        params={"from": "ctl:S1", "to": "ctl:S3", "date": WEEKDAY, "time": "07:55:00"},
    )
    assert response.status_code == 200, response.text
    journeys = response.json()["journeys"]
    assert journeys, "a journey was expected"
    first = journeys[0]
    assert first["departure"].startswith(f"{WEEKDAY}T08:00:00")
    assert first["arrival"].startswith(f"{WEEKDAY}T08:30:00")
    assert first["transfers"] == 0
    (ride,) = [leg for leg in first["legs"] if leg["mode"] != "walk"]
    assert (ride["mode"], ride["route"], ride["trip"]) == ("bus", "ctl:R1", "ctl:T1")
    assert [s["ref"] for s in ride["intermediate_stops"]] == ["ctl:S2"]
    quote = client.post(
        "/v1/fares/quote",
        json={
            "legs": [
                {
                    "feed": "ctl",
                    "route_id": "R1",
                    "from_stop_id": "S1",
                    "to_stop_id": "S3",
                    "departure": ride["departure"],
                    "arrival": ride["arrival"],
                }
            ]
        },
    )
    assert quote.status_code == 200, quote.text
    assert first["price"]["total"] == quote.json()["total"]
    assert first["covered_by_passes"] == []


def test_bad_places_are_problems(client: TestClient) -> None:
    """A place that is neither LAT,LON nor FEED:STOP is 422; an unknown stop is 404."""
    bad = client.get("/v1/journeys", params={"from": "nowhere", "to": "ctl:S3"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    unknown = client.get(
        "/v1/journeys", params={"from": "ctl:NOPE", "to": "ctl:S3", "date": WEEKDAY}
    )
    assert unknown.status_code == 404


def test_nothing_in_walking_reach_gives_no_journey(client: TestClient) -> None:
    """From the open sea, 800 m reach no stop: an empty list, not an error."""
    response = client.get(
        "/v1/journeys", params={"from": "43.9,9.5", "to": "ctl:S3", "date": WEEKDAY}
    )
    assert response.status_code == 200
    assert response.json() == {"journeys": [], "realtime": "live"}


def test_live_delays_reach_the_answer(client: TestClient) -> None:
    """A TripUpdate stored by the real-time poller shows in the next answer: the ride's
    expected times next to the scheduled ones."""
    feed = FeedBuilder(timestamp=1_709_621_000).trip(
        "T1", start_date=WEEKDAY.replace("-", ""), stops=[stop(stop_id="S3", arrival_delay=240)]
    )
    with Session(get_engine()) as session:
        ingest(feed.message.SerializeToString(), "ctl", session, get_redis())
        session.commit()
    response = client.get(
        "/v1/journeys",
        params={"from": "ctl:S1", "to": "ctl:S3", "date": WEEKDAY, "time": "07:55:00"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["realtime"] == "live"
    (ride,) = [leg for leg in body["journeys"][0]["legs"] if leg["mode"] != "walk"]
    assert ride["realtime"] is True
    assert ride["scheduled_arrival"].startswith(f"{WEEKDAY}T08:30:00")
    assert ride["arrival"].startswith(f"{WEEKDAY}T08:34:00")
    assert ride["to_stop"]["realtime_arrival"].startswith(f"{WEEKDAY}T08:34:00")


def test_price_as_a_criterion(client: TestClient) -> None:
    """criteria=price answers priced journeys, none beaten on time, transfers and price by
    another; an unknown criterion is a 422 problem."""
    params = {"from": "ctl:S1", "to": "ctl:S3", "date": WEEKDAY, "time": "07:55:00"}
    by_time = client.get("/v1/journeys", params=params).json()["journeys"]
    by_price = client.get("/v1/journeys", params={**params, "criteria": "price"})
    assert by_price.status_code == 200, by_price.text
    journeys = by_price.json()["journeys"]
    assert journeys
    assert all(j["price"]["total"] is not None for j in journeys)
    assert {j["arrival"] for j in journeys} <= {j["arrival"] for j in by_time}
    bad = client.get("/v1/journeys", params={**params, "criteria": "cheapest"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")

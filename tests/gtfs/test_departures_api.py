"""GET /v1/stops/{ref}/departures and the other query endpoints, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from gtfs.importer import import_feed
from services.app import create_app

FEED = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
    "A,Test Transit,https://example.org,Europe/Rome\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
    "STA,Pisa Centrale,43.7085,10.3987,1,\n"
    "P1,Pisa Centrale bus bay,43.7086,10.3988,0,STA\n"
    "P2,Pisa Centrale track 2,43.7084,10.3986,0,STA\n"
    "B,Aeroporto,43.6959,10.3995,0,\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_long_name,route_type\n"
    "R1,A,LAM,Centro-Aeroporto,3\n"
    "R2,A,PM,People Mover,2\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
    "start_date,end_date\nWK,1,1,1,1,1,0,0,20260101,20261231\n",
    "calendar_dates.txt": "service_id,date,exception_type\nWK,20260310,2\nWK,20260329,1\n",
    "trips.txt": "route_id,service_id,trip_id,trip_headsign\n"
    "R1,WK,T1,Aeroporto\nR2,WK,T2,Aeroporto\nR1,WK,LATE,Aeroporto\nR1,WK,F1,Aeroporto\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type\n"
    "T1,07:00:00,07:00:00,P1,1,0\nT1,07:10:00,07:10:00,B,2,1\n"
    "T2,07:29:00,07:30:00,P2,1,0\nT2,07:45:00,07:45:00,B,2,1\n"
    "LATE,24:30:00,24:30:00,P1,1,0\nLATE,24:40:00,24:40:00,B,2,1\n"
    "F1,06:00:00,06:00:00,P1,1,0\nF1,06:05:00,06:05:00,B,2,1\n",
    "frequencies.txt": "trip_id,start_time,end_time,headway_secs,exact_times\n"
    "F1,08:00:00,09:00:00,600,1\n",
}


def write_feed(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


@pytest.fixture
def client(settings_env: None, engine: Engine, tmp_path: Path) -> Iterator[TestClient]:  # noqa: ARG001
    import_feed(engine, write_feed(tmp_path / "feed", FEED), "pisa")
    with TestClient(create_app()) as c:
        yield c


def _departures(client: TestClient, ref: str, day: str, start: str, end: str) -> list[dict]:
    r = client.get(f"/v1/stops/{ref}/departures", params={"date": day, "from": start, "to": end})
    assert r.status_code == 200, r.text
    return r.json()["departures"]


def test_station_lists_departures_of_its_platforms_in_order(client: TestClient) -> None:
    """A station's board merges its platforms, sorted by time, in the feed's zone."""
    deps = _departures(client, "pisa:STA", "2026-03-11", "06:30:00", "07:59:00")
    assert [(d["trip_ref"], d["stop_ref"]) for d in deps] == [
        ("pisa:T1", "pisa:P1"),
        ("pisa:T2", "pisa:P2"),
    ]
    assert deps[0]["scheduled_departure"] == "2026-03-11T07:00:00+01:00"
    assert deps[1]["scheduled_arrival"] == "2026-03-11T07:29:00+01:00"
    assert deps[1]["mode"] == "rail"
    assert deps[0]["headsign"] == "Aeroporto"


def test_trip_of_previous_service_day_past_midnight(client: TestClient) -> None:
    """24:30:00 on Wednesday's service is a departure at 00:30 on Thursday."""
    deps = _departures(client, "pisa:P1", "2026-03-12", "00:00:00", "01:00:00")
    assert [d["trip_ref"] for d in deps] == ["pisa:LATE"]
    assert deps[0]["service_date"] == "2026-03-11"
    assert deps[0]["scheduled_departure"] == "2026-03-12T00:30:00+01:00"


def test_window_reaching_into_both_service_days(client: TestClient) -> None:
    """One board holds the previous day's run past midnight and the day's own, in order."""
    deps = _departures(client, "pisa:P1", "2026-03-12", "00:00:00", "07:05:00")
    assert [(d["trip_ref"], d["service_date"]) for d in deps] == [
        ("pisa:LATE", "2026-03-11"),
        ("pisa:T1", "2026-03-12"),
    ]


def test_headway_runs_of_the_previous_day_past_midnight(
    settings_env: None,  # noqa: ARG001
    engine: Engine,
    tmp_path: Path,
) -> None:
    """A headway trip whose runs continue past 24:00 shows them on the next date's board."""
    files = dict(FEED)
    files["frequencies.txt"] = (
        "trip_id,start_time,end_time,headway_secs,exact_times\nF1,23:40:00,24:20:00,1200,0\n"
    )
    import_feed(engine, write_feed(tmp_path / "feed", files), "pisa")
    with TestClient(create_app()) as client:
        deps = _departures(client, "pisa:P1", "2026-03-12", "00:00:00", "00:30:00")
    assert [(d["scheduled_departure"], d["service_date"]) for d in deps] == [
        ("2026-03-12T00:00:00+01:00", "2026-03-11"),
        ("2026-03-12T00:30:00+01:00", "2026-03-11"),
    ]
    assert [d["frequency_based"] for d in deps] == [True, False]


def test_reimport_changes_the_board(client: TestClient, engine: Engine, tmp_path: Path) -> None:
    """Boards read the new version after a re-import: nothing cached outlives its version."""
    before = _departures(client, "pisa:STA", "2026-03-11", "06:30:00", "08:15:00")
    assert [d["headsign"] for d in before][:2] == ["Aeroporto", "Aeroporto"]
    files = dict(FEED)
    files["trips.txt"] = FEED["trips.txt"].replace("R1,WK,T1,Aeroporto", "R1,WK,T1,Stazione")
    files["frequencies.txt"] = (
        "trip_id,start_time,end_time,headway_secs,exact_times\nF1,08:00:00,09:00:00,1800,1\n"
    )
    import_feed(engine, write_feed(tmp_path / "feed2", files), "pisa")
    after = _departures(client, "pisa:STA", "2026-03-11", "06:30:00", "08:15:00")
    assert [(d["trip_ref"], d["headsign"]) for d in after] == [
        ("pisa:T1", "Stazione"),
        ("pisa:T2", "Aeroporto"),
        ("pisa:F1", "Aeroporto"),
    ]


def test_removed_service_day_has_no_departures(client: TestClient) -> None:
    """calendar_dates exception_type 2 removes the weekday service."""
    assert _departures(client, "pisa:STA", "2026-03-10", "06:00:00", "09:00:00") == []


def test_frequencies_are_expanded(client: TestClient) -> None:
    """A headway trip runs every 600 s from 08:00 until before 09:00."""
    deps = _departures(client, "pisa:P1", "2026-03-11", "08:00:00", "08:35:00")
    assert [d["scheduled_departure"][11:16] for d in deps] == ["08:00", "08:10", "08:20", "08:30"]
    assert all(d["frequency_based"] for d in deps)


def test_last_stop_without_pickup_is_not_a_departure(client: TestClient) -> None:
    """pickup_type=1 (drop-off only) stops are not offered as departures."""
    assert _departures(client, "pisa:B", "2026-03-11", "07:00:00", "08:00:00") == []


def test_times_on_the_day_clocks_go_forward(client: TestClient) -> None:
    """On 2026-03-29 GTFS 07:00:00 (noon minus 12 h based) is 07:00 CEST."""
    deps = _departures(client, "pisa:P1", "2026-03-29", "06:30:00", "07:30:00")
    assert [d["scheduled_departure"] for d in deps] == ["2026-03-29T07:00:00+02:00"]


@pytest.mark.parametrize(
    ("path", "status", "slug"),
    [
        ("/v1/stops/pisa:NOPE/departures", 404, "stop-not-found"),
        ("/v1/stops/nofeed:STA", 404, "feed-not-found"),
        ("/v1/stops/STA", 400, "invalid-reference"),
        ("/v1/stops/pisa:STA/departures?from=09:00:00&to=08:00:00", 400, "invalid-time-window"),
        ("/v1/stops/pisa:STA/departures?from=9h", 400, "invalid-time-window"),
        ("/v1/stops/pisa:STA/departures?date=2026-02-30", 422, "request-validation"),
        ("/v1/stops?near=95,10", 400, "invalid-coordinates"),
        ("/v1/stops", 400, "missing-stop-query"),
        ("/v1/trips/pisa:NOPE", 404, "trip-not-found"),
        ("/v1/nowhere", 404, "not-found"),
    ],
)
def test_errors_are_problem_json(client: TestClient, path: str, status: int, slug: str) -> None:
    """Each bad request gets its status and a stable problem type, as problem+json."""
    r = client.get(path)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"].endswith("/" + slug)
    assert body["status"] == status
    assert body["title"]


def test_stop_detail_has_children_and_routes(client: TestClient) -> None:
    """A station lists its platforms and the routes that serve them."""
    body = client.get("/v1/stops/pisa:STA").json()
    assert [c["ref"] for c in body["children"]] == ["pisa:P1", "pisa:P2"]
    assert sorted(r["ref"] for r in body["routes"]) == ["pisa:R1", "pisa:R2"]
    assert client.get("/v1/stops/pisa:P1").json()["parent"]["ref"] == "pisa:STA"


def test_stops_near_and_by_name(client: TestClient) -> None:
    """Nearest first within the radius; names matched case-insensitively."""
    near = client.get("/v1/stops", params={"near": "43.7085,10.3987", "radius_m": 100}).json()
    assert [s["ref"] for s in near] == ["pisa:STA", "pisa:P1", "pisa:P2"]
    assert near[0]["distance_m"] == 0.0
    named = client.get("/v1/stops", params={"q": "aeroP"}).json()
    assert [s["ref"] for s in named] == ["pisa:B"]


def test_trip_has_stop_times_and_straight_line_geometry(client: TestClient) -> None:
    """Without shapes.txt the geometry joins the stops; times keep GTFS form past 24:00."""
    body = client.get("/v1/trips/pisa:LATE").json()
    assert [s["departure_time"] for s in body["stop_times"]] == ["24:30:00", "24:40:00"]
    assert body["shape_source"] == "stops"
    assert body["geometry"]["coordinates"][0] == [10.3988, 43.7086]


def test_routes_and_feeds(client: TestClient) -> None:
    """Routes carry their mode; the feed lists its current version and counts."""
    routes = client.get("/v1/routes", params={"feed": "pisa"}).json()
    assert {r["ref"]: r["mode"] for r in routes} == {"pisa:R1": "bus", "pisa:R2": "rail"}
    feeds = client.get("/v1/feeds").json()
    assert feeds[0]["id"] == "pisa"
    assert feeds[0]["current_version"]["row_counts"]["stop_times.txt"] == 8
    assert feeds[0]["current_version"]["service_start"] == "2026-01-01"


def test_health_and_readiness(client: TestClient) -> None:
    """/healthz is up; /readyz checks the migrated database and Redis."""
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["checks"]["database"]["revision"] == ready["checks"]["database"]["head"]


def _ingest(feed: bytes, client: TestClient) -> None:  # noqa: ARG001 - the client set the env
    from gtfs.realtime.service import ingest
    from mobility.db import session_scope
    from mobility.redis_client import get_redis

    with session_scope() as session:
        ingest(feed, "pisa", session, get_redis(), timezone="Europe/Rome")


def test_realtime_delay_and_cancellation_reach_departures(client: TestClient) -> None:
    """A delay at the first stop moves the departure; a canceled trip is flagged."""
    from tests.gtfs_realtime.factories import FeedBuilder, stop

    noon = 1_773_226_800  # 2026-03-11T11:00:00Z, after the updates' trips were planned
    feed = FeedBuilder(timestamp=noon)
    feed.trip("T1", start_date="20260311", stops=[stop(1, "P1", departure_delay=120)])
    feed.trip("T2", start_date="20260311", relationship="CANCELED")
    _ingest(feed.bytes(), client)
    deps = {
        d["trip_ref"]: d
        for d in _departures(client, "pisa:STA", "2026-03-11", "06:30:00", "07:59:00")
    }
    assert deps["pisa:T1"]["realtime_departure"] == "2026-03-11T07:02:00+01:00"
    assert deps["pisa:T1"]["delay_s"] == 120
    assert deps["pisa:T1"]["status"] == "scheduled"
    assert deps["pisa:T2"]["status"] == "canceled"
    assert deps["pisa:T2"]["realtime_departure"] is None


def test_realtime_falls_back_to_the_database_when_redis_is_down(client: TestClient) -> None:
    """With Redis unreachable the board still shows the stored delay."""
    import redis as redis_lib

    from tests.gtfs_realtime.factories import FeedBuilder, stop

    feed = FeedBuilder(timestamp=1_773_226_800)
    feed.trip("T1", start_date="20260311", stops=[stop(1, "P1", departure_delay=60)])
    _ingest(feed.bytes(), client)
    unreachable = redis_lib.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    from mobility.deps import get_redis as dep

    client.app.dependency_overrides[dep] = lambda: unreachable  # type: ignore[attr-defined]
    try:
        deps = _departures(client, "pisa:P1", "2026-03-11", "06:30:00", "07:30:00")
    finally:
        client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert deps[0]["delay_s"] == 60


def test_responses_carry_server_timing(client: TestClient) -> None:
    """Every response says the server's own time (W3C Server-Timing), for latency checks."""
    r = client.get("/v1/stops/pisa:STA/departures", params={"date": "2026-03-11"})
    name, _, duration = r.headers["server-timing"].partition(";dur=")
    assert name == "app"
    assert float(duration) >= 0


def test_default_window_is_now_in_the_feeds_clock(client: TestClient) -> None:
    """Without date and from, the window starts now, in the feed's zone (Europe/Rome here)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    before = datetime.now(ZoneInfo("Europe/Rome"))
    body = client.get("/v1/stops/pisa:STA/departures").json()
    start = datetime.fromisoformat(body["window_from"])
    assert abs((start - before).total_seconds()) < 120
    assert body["timezone"] == "Europe/Rome"

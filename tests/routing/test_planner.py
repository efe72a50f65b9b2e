"""The planning service on two small feeds, on both databases.

Feed ``a`` (buses and a tram): A1-A2-A3 every half hour from 08:00 (B1 has a shape and no
wheelchair access), a tram A1-A2 at 08:05, a bus past midnight, and a station ST whose platform
P1 has a bus to A4. Feed ``b`` (rail): Q1, 86 m from A3, to Q2 at 08:30 and 09:30.
Tuesday 2024-03-05, Europe/Rome.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gtfs.errors import StopNotFound
from gtfs.importer import import_feed
from gtfs.repository import haversine_m
from routing.planner import (
    Coordinates,
    PlannedJourney,
    PlanRequest,
    StopPlace,
    plan,
)
from routing.timetable_builder import version_key
from routing.timetable_cache import TimetableCache
from tests.gtfs.feeds import write_feed

ROME = ZoneInfo("Europe/Rome")
TUESDAY = date(2024, 3, 5)

FEED_A: dict[str, str] = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
    "A,Alpha,https://a.example.org,Europe/Rome\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,"
    "wheelchair_boarding\n"
    "A1,Alfa,44.4000,8.9000,0,,1\n"
    "A2,Beta,44.4100,8.9000,0,,1\n"
    "A3,Gamma,44.4200,8.9000,0,,1\n"
    "A4,Delta,44.4300,8.9000,0,,1\n"
    "ST,Stazione,44.4600,8.9000,1,,1\n"
    "P1,Binario 1,44.4600,8.9001,0,ST,1\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_long_name,route_type\n"
    "R1,A,1,,3\nR2,A,T,,0\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
    "start_date,end_date\nWD,1,1,1,1,1,0,0,20240101,20241231\n",
    "shapes.txt": "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n"
    "SH1,44.4000,8.9000,1\nSH1,44.4050,8.9010,2\nSH1,44.4100,8.9000,3\n"
    "SH1,44.4150,8.9010,4\nSH1,44.4200,8.9000,5\n",
    "trips.txt": "route_id,service_id,trip_id,trip_headsign,wheelchair_accessible,shape_id\n"
    "R1,WD,B1,Gamma,2,SH1\nR1,WD,B2,Gamma,1,\nR1,WD,B3,Gamma,1,\n"
    "R2,WD,TR1,Beta,2,\nR1,WD,LATE,Gamma,1,\nR1,WD,TP,Delta,1,\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    "B1,08:00:00,08:00:00,A1,1\nB1,08:10:00,08:10:00,A2,2\nB1,08:20:00,08:20:00,A3,3\n"
    "B2,08:30:00,08:30:00,A1,1\nB2,08:40:00,08:40:00,A2,2\nB2,08:50:00,08:50:00,A3,3\n"
    "B3,09:00:00,09:00:00,A1,1\nB3,09:10:00,09:10:00,A2,2\nB3,09:20:00,09:20:00,A3,3\n"
    "TR1,08:05:00,08:05:00,A1,1\nTR1,08:15:00,08:15:00,A2,2\n"
    "LATE,23:50:00,23:50:00,A1,1\nLATE,24:10:00,24:10:00,A2,2\nLATE,24:20:00,24:20:00,A3,3\n"
    "TP,10:00:00,10:00:00,P1,1\nTP,10:10:00,10:10:00,A4,2\n",
}

FEED_B: dict[str, str] = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
    "K,Kappa,https://b.example.org,Europe/Rome\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
    "Q1,Quarto,44.4203,8.9010\nQ2,Quinto,44.5000,8.9000\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nRR,K,R,2\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
    "start_date,end_date\nALL,1,1,1,1,1,1,1,20240101,20241231\n",
    "trips.txt": "route_id,service_id,trip_id,trip_headsign\nRR,ALL,K1,Quinto\nRR,ALL,K2,Quinto\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    "K1,08:30:00,08:30:00,Q1,1\nK1,08:50:00,08:50:00,Q2,2\n"
    "K2,09:30:00,09:30:00,Q1,1\nK2,09:50:00,09:50:00,Q2,2\n",
}

A1, A2, A3 = StopPlace("a:A1"), StopPlace("a:A2"), StopPlace("a:A3")


def at(h: int, m: int = 0, s: int = 0, day: date = TUESDAY) -> datetime:
    return datetime(day.year, day.month, day.day, h, m, tzinfo=ROME) + timedelta(seconds=s)


def walk_s(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    return math.ceil(haversine_m(lat1, lon1, lat2, lon2) / 1.3)


def ask(
    session: Session, cache: TimetableCache | None = None, **kw: object
) -> list[PlannedJourney]:
    kw.setdefault("when", at(7, 55))
    return plan(session, PlanRequest(**kw), cache=cache, timezone="Europe/Rome")  # type: ignore[arg-type]


def summary(journeys: list[PlannedJourney]) -> list[tuple[datetime, datetime, int, list[str]]]:
    return [
        (j.departure, j.arrival, j.transfers, [leg.trip_id or "walk" for leg in j.legs])
        for j in journeys
    ]


def test_stop_to_stop_direct_trip_with_stops_route_and_shape(session: Session) -> None:
    """A1 -> A2 at 07:55 rides B1 08:00-08:10: names, route, headsign and the shape between."""
    (journey,) = ask(session, origin=A1, destination=A2)
    (leg,) = journey.legs
    assert (journey.departure, journey.arrival, journey.transfers) == (at(8), at(8, 10), 0)
    assert journey.duration_s == 600
    assert leg.mode == "bus"
    assert (leg.feed, leg.route_id, leg.route_short_name, leg.trip_id) == ("a", "R1", "1", "B1")
    assert (leg.headsign, leg.service_date, leg.agency_id) == ("Gamma", TUESDAY, "A")
    assert leg.from_stop is not None
    assert leg.to_stop is not None
    assert (leg.from_stop.ref, leg.from_stop.name, leg.from_stop.departure) == (
        "a:A1",
        "Alfa",
        at(8),
    )
    assert (leg.to_stop.ref, leg.to_stop.name, leg.to_stop.arrival) == ("a:A2", "Beta", at(8, 10))
    assert leg.departure.utcoffset() == at(8).utcoffset()
    assert leg.geometry == ((44.4, 8.9), (44.405, 8.901), (44.41, 8.9))


def test_transfer_with_a_walk_between_two_feeds(session: Session) -> None:
    """A1 -> b:Q2: bus B1 to A3 (via A2), walk 86 m to Q1, rail K1 08:30-08:50; one transfer."""
    (journey,) = ask(session, origin=A1, destination=StopPlace("b:Q2"))
    bus, walk, rail = journey.legs
    assert (journey.departure, journey.arrival, journey.transfers) == (at(8), at(8, 50), 1)
    assert [c.ref for c in bus.intermediate] == ["a:A2"]
    assert bus.intermediate[0].arrival == at(8, 10)
    seconds = walk_s(44.42, 8.9, 44.4203, 8.901)
    assert walk.mode == "walk"
    assert walk.from_stop is not None
    assert walk.to_stop is not None
    assert (walk.from_stop.ref, walk.to_stop.ref) == ("a:A3", "b:Q1")
    assert (walk.departure, walk.arrival) == (at(8, 20), at(8, 20, seconds))
    assert walk.geometry == ((44.42, 8.9), (44.4203, 8.901))
    assert (rail.mode, rail.feed, rail.trip_id, rail.route_short_name) == ("rail", "b", "K1", "R")
    assert rail.geometry == ((44.4203, 8.901), (44.5, 8.9))  # no shape: straight line


def test_coordinates_to_coordinates_walks_to_and_from_the_stops(session: Session) -> None:
    """From a point 56 m south of A1 to one 56 m north of Q2: access and egress walks around
    the bus-walk-rail journey, leaving as late as the 08:00 bus allows."""
    origin, destination = Coordinates(44.3995, 8.9), Coordinates(44.5005, 8.9)
    (journey,) = ask(session, origin=origin, destination=destination)
    access, egress = walk_s(44.3995, 8.9, 44.4, 8.9), walk_s(44.5, 8.9, 44.5005, 8.9)
    assert [leg.mode for leg in journey.legs] == ["walk", "bus", "walk", "rail", "walk"]
    first, last = journey.legs[0], journey.legs[-1]
    assert first.from_stop is None
    assert last.to_stop is None
    assert journey.departure == at(8) - timedelta(seconds=access)
    assert journey.arrival == at(8, 50, egress)
    assert first.geometry == ((44.3995, 8.9), (44.4, 8.9))
    assert last.geometry == ((44.5, 8.9), (44.5005, 8.9))


def test_arrive_by_leaves_as_late_as_possible(session: Session) -> None:
    """Arriving at A3 by 09:00 takes B2 08:30-08:50 (B3 arrives too late)."""
    journeys = ask(session, origin=A1, destination=A3, when=at(9), arrive_by=True)
    assert summary(journeys) == [(at(8, 30), at(8, 50), 0, ["B2"])]


def test_range_query_returns_every_departure_of_the_window(session: Session) -> None:
    """Leaving A1 for A3 between 07:50 and 09:10: B1, B2 and B3, by departure."""
    journeys = ask(session, origin=A1, destination=A3, when=at(7, 50), window_min=80)
    assert summary(journeys) == [
        (at(8), at(8, 20), 0, ["B1"]),
        (at(8, 30), at(8, 50), 0, ["B2"]),
        (at(9), at(9, 20), 0, ["B3"]),
    ]


def test_wheelchair_filter_skips_inaccessible_trips(session: Session) -> None:
    """B1 and the tram are not accessible: a wheelchair user waits for B2."""
    journeys = ask(session, origin=A1, destination=A2, wheelchair=True)
    assert summary(journeys) == [(at(8, 30), at(8, 40), 0, ["B2"])]


def test_modes_filter_keeps_only_those_route_types(session: Session) -> None:
    """With modes={"tram"} A1 -> A2 rides the 08:05 tram, not the earlier bus."""
    (journey,) = ask(session, origin=A1, destination=A2, modes=frozenset({"tram"}))
    assert summary([journey]) == [(at(8, 5), at(8, 15), 0, ["TR1"])]
    assert journey.legs[0].mode == "tram"
    assert ask(session, origin=A1, destination=A2, modes=frozenset({"ferry"})) == []


def test_trip_past_midnight(session: Session) -> None:
    """At 23:45 the LATE bus leaves A1 at 23:50 and reaches A3 at 00:20 the next date; its
    service date stays Tuesday. At 00:05 on Wednesday, A2 is still served by Tuesday's run."""
    (journey,) = ask(session, origin=A1, destination=A3, when=at(23, 45))
    assert (journey.departure, journey.arrival) == (at(23, 50), at(0, 20, day=date(2024, 3, 6)))
    assert journey.legs[0].service_date == TUESDAY
    (after,) = ask(session, origin=A2, destination=A3, when=at(0, 5, day=date(2024, 3, 6)))
    assert after.legs[0].trip_id == "LATE"
    assert after.legs[0].service_date == TUESDAY


def test_station_means_its_platforms(session: Session) -> None:
    """From station a:ST the bus leaving its platform P1 at 10:00 is found."""
    (journey,) = ask(session, origin=StopPlace("a:ST"), destination=StopPlace("a:A4"), when=at(9))
    (leg,) = journey.legs
    assert leg.from_stop is not None
    assert leg.from_stop.ref == "a:P1"
    assert (leg.departure, leg.arrival) == (at(10), at(10, 10))


def test_cache_hits_then_rebuilds_after_a_new_version(
    session: Session, engine: Engine, tmp_path: Path
) -> None:
    """The second query is a cache hit; importing a new version of feed a (B1 a minute later)
    makes a new key, so the timetable is built again and the answer follows the new data."""
    cache = TimetableCache()
    first = ask(session, cache, origin=A1, destination=A2)
    ask(session, cache, origin=A1, destination=A3)
    assert (cache.stats.builds, cache.stats.hits) == (1, 1)
    ask(session, cache, origin=A1, destination=A2, max_transfer_walk_m=200)
    assert (cache.stats.builds, cache.stats.walking_builds) == (1, 1)
    before = version_key(session)
    changed = dict(FEED_A)
    changed["stop_times.txt"] = changed["stop_times.txt"].replace(
        "B1,08:00:00,08:00:00", "B1,08:01:00,08:01:00"
    )
    session.rollback()  # end the read transaction: the import changes tables it has read
    import_feed(engine, write_feed(tmp_path / "a2", changed), "a")
    assert version_key(session) != before
    second = ask(session, cache, origin=A1, destination=A2)
    assert cache.stats.builds == 2
    assert first[0].departure == at(8)
    assert second[0].departure == at(8, 1)


def test_unknown_stop_reference_raises_stop_not_found(session: Session) -> None:
    """A reference to no stop of the current feeds is a StopNotFound (404)."""
    with pytest.raises(StopNotFound):
        ask(session, origin=StopPlace("a:NOPE"), destination=A2)


def test_nothing_within_reach_gives_no_journeys(session: Session) -> None:
    """Coordinates with no stop within max_walk_m give an empty list."""
    assert ask(session, origin=Coordinates(45.5, 9.0), destination=A2) == []
    assert ask(session, origin=Coordinates(44.3995, 8.9), destination=A2, max_walk_m=10) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"when": datetime(2024, 3, 5, 8)}, "timezone-aware"),
        ({"walk_speed_mps": 0}, "walk_speed_mps"),
        ({"max_transfers": -1}, "max_transfers"),
        ({"modes": frozenset({"hovercraft"})}, "unknown modes"),
        ({"window_min": -5}, "window_min"),
    ],
)
def test_request_validates_itself(change: dict[str, object], message: str) -> None:
    """A bad request fails at construction with a message naming the problem."""
    good = PlanRequest(origin=A1, destination=A2, when=at(8))
    with pytest.raises(ValueError, match=message):
        replace(good, **change)  # type: ignore[arg-type]


def test_walking_all_the_way_when_it_is_fastest(session: Session) -> None:
    """A3 to b:Q1 is 86 m: walking, and nothing else (no ride gets there sooner)."""
    (journey,) = ask(session, origin=A3, destination=StopPlace("b:Q1"))
    (leg,) = journey.legs
    seconds = walk_s(44.42, 8.9, 44.4203, 8.901)
    assert (leg.mode, journey.transfers) == ("walk", 0)
    assert (journey.departure, journey.arrival) == (at(7, 55), at(7, 55, seconds))
    assert leg.geometry == ((44.42, 8.9), (44.4203, 8.901))


def test_walking_is_offered_beside_faster_rides(session: Session) -> None:
    """A1 to A2 (1,112 m) with max_walk_m 1,500: leaving at 07:59 the bus is faster, and the
    walk stays as the itinerary with no ride; at 07:55 walking beats both bus and tram."""
    late = ask(session, origin=A1, destination=A2, when=at(7, 59), max_walk_m=1500)
    assert [(j.departure, [leg.mode for leg in j.legs]) for j in late] == [
        (at(7, 59), ["walk"]),
        (at(8), ["bus"]),
    ]
    early = ask(session, origin=A1, destination=A2, max_walk_m=1500)
    assert [[leg.mode for leg in j.legs] for j in early] == [["walk"]]


def test_walking_from_where_no_stop_is_in_reach(session: Session) -> None:
    """Two points 300 m apart with no stop within 800 m: a walk, though no ride is possible;
    with max_walk_m 0 nothing at all."""
    origin, destination = Coordinates(44.0, 9.0), Coordinates(44.0027, 9.0)
    (journey,) = ask(session, origin=origin, destination=destination)
    assert [leg.mode for leg in journey.legs] == ["walk"]
    assert ask(session, origin=origin, destination=destination, max_walk_m=0) == []


def test_arrive_by_walking(session: Session) -> None:
    """Arriving at b:Q1 from A3 by 09:00: leave on foot 86 m / 1.3 m/s before."""
    (journey,) = ask(session, origin=A3, destination=StopPlace("b:Q1"), when=at(9), arrive_by=True)
    assert journey.arrival == at(9)
    assert [leg.mode for leg in journey.legs] == ["walk"]


def test_transit_only_with_walking_switched_off(session: Session) -> None:
    """Both walking limits and min_transfer_s 0: A1 -> b:Q2 needs the 86 m walk from A3 to Q1,
    so nothing connects; A1 -> A3 still rides B1, and no walk is offered."""
    off = {"max_walk_m": 0, "max_transfer_walk_m": 0, "min_transfer_s": 0}
    assert ask(session, origin=A1, destination=StopPlace("b:Q2"), **off) == []
    assert summary(ask(session, origin=A1, destination=A3, **off)) == [
        (at(8), at(8, 20), 0, ["B1"])
    ]


def test_feeds_filter_rides_only_those_feeds(session: Session) -> None:
    """Feed ``a`` alone still takes B1 from A1 to A2; feed ``b`` alone has nothing there."""
    assert summary(ask(session, origin=A1, destination=A2, feeds=frozenset({"a"}))) == [
        (at(8), at(8, 10), 0, ["B1"])
    ]
    assert ask(session, origin=A1, destination=A2, feeds=frozenset({"b"})) == []

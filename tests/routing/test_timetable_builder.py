"""The timetable builder on two small feeds, in different time zones, on both databases.

Feed ``a`` (Europe/Rome): a line X1-X2-X3 on weekdays (WD, not on Wed 2024-03-06) with a block
T1 -> T2 -> T3 (T3 starts elsewhere), a trip past midnight, two trips that overtake, two
frequency-based trips, pickup/drop-off restrictions, a trip with a blank time, an in-seat
transfer U1 -> U2, a Saturday extra (EXTRA on 2024-03-09), a station ST whose platforms are 635 m
apart, and transfers.txt rules. Feed ``b`` (Europe/London): one daily trip from Z1, 97 m from X1.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gtfs.errors import FeedNotFound
from gtfs.importer import import_feed
from routing.algorithms.timetable import Timetable
from routing.timetable_builder import build_timetable, version_key
from tests.gtfs.feeds import write_feed

ROME, LONDON = ZoneInfo("Europe/Rome"), ZoneInfo("Europe/London")
TUESDAY = date(2024, 3, 5)

FEED_A: dict[str, str] = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
    "A,Alpha,https://a.example.org,Europe/Rome\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,"
    "wheelchair_boarding\n"
    "X1,Uno,44.4000,8.9000,0,,1\n"
    "X4,Uno bis,44.4010,8.9000,0,,\n"
    "X2,Due,44.4200,8.9000,0,,2\n"
    "X3,Tre,44.4400,8.9000,0,,1\n"
    "Y1,Lontano,44.4600,8.9000,0,,\n"
    "ST,Stazione,44.5000,8.9000,1,,1\n"
    "P1,Binario 1,44.5000,8.8960,0,ST,\n"
    "P2,Binario 2,44.5000,8.9040,0,ST,2\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nRA,A,1,3\nRB,A,2,0\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
    "start_date,end_date\nWD,1,1,1,1,1,0,0,20240101,20241231\n",
    "calendar_dates.txt": "service_id,date,exception_type\nWD,20240306,2\nEXTRA,20240309,1\n",
    "trips.txt": "route_id,service_id,trip_id,trip_headsign,block_id,wheelchair_accessible\n"
    "RA,WD,T1,Tre,B1,1\n"
    "RA,WD,T2,Uno,B1,\n"
    "RA,WD,T3,Tre,B1,2\n"
    "RA,WD,LATE,Tre,,\n"
    "RA,WD,SLOW,Tre,,\n"
    "RA,WD,FAST,Tre,,\n"
    "RB,WD,FREQ,Tre,,\n"
    "RB,WD,FREQ0,Tre,,\n"
    "RA,WD,PICK,Tre,,\n"
    "RA,WD,INTERP,Tre,,\n"
    "RA,WD,U1,Due,,\n"
    "RA,WD,U2,Tre,,\n"
    "RA,EXTRA,SAT,Tre,,\n"
    "RB,WD,PLAT,Binario 2,,\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,"
    "drop_off_type,shape_dist_traveled\n"
    "T1,08:00:00,08:00:00,X1,1,,,\nT1,08:10:00,08:10:00,X2,2,,,\nT1,08:20:00,08:20:00,X3,3,,,\n"
    "T2,08:30:00,08:30:00,X3,1,,,\nT2,08:40:00,08:40:00,X2,2,,,\nT2,08:50:00,08:50:00,X1,3,,,\n"
    "T3,09:30:00,09:30:00,X2,1,,,\nT3,09:40:00,09:40:00,X3,2,,,\n"
    "LATE,23:50:00,23:50:00,X1,1,,,\nLATE,24:10:00,24:10:00,X2,2,,,\n"
    "LATE,24:30:00,24:30:00,X3,3,,,\n"
    "SLOW,10:00:00,10:00:00,X1,1,,,\nSLOW,10:30:00,10:30:00,X2,2,,,\n"
    "SLOW,11:00:00,11:00:00,X3,3,,,\n"
    "FAST,10:05:00,10:05:00,X1,1,,,\nFAST,10:15:00,10:15:00,X2,2,,,\n"
    "FAST,10:25:00,10:25:00,X3,3,,,\n"
    "FREQ,06:00:00,06:00:00,X1,1,,,\nFREQ,06:09:00,06:10:00,X3,2,,,\n"
    "FREQ0,00:00:00,00:00:00,X3,1,,,\nFREQ0,00:07:00,00:07:00,X1,2,,,\n"
    "PICK,12:00:00,12:00:00,X1,1,0,1,\nPICK,12:10:00,12:10:00,X2,2,1,0,\n"
    "PICK,12:20:00,12:20:00,X3,3,1,,\n"
    "INTERP,13:00:00,13:00:00,X1,1,,,0\nINTERP,,,X2,2,,,1\nINTERP,13:20:00,13:20:00,X3,3,,,4\n"
    "U1,14:00:00,14:00:00,X1,1,,,\nU1,14:10:00,14:10:00,X2,2,,,\n"
    "U2,14:15:00,14:15:00,X2,1,,,\nU2,14:25:00,14:25:00,X3,2,,,\n"
    "SAT,09:00:00,09:00:00,X1,1,,,\nSAT,09:20:00,09:20:00,X3,2,,,\n"
    "PLAT,15:00:00,15:00:00,P1,1,,,\nPLAT,15:05:00,15:05:00,P2,2,,,\n",
    "frequencies.txt": "trip_id,start_time,end_time,headway_secs,exact_times\n"
    "FREQ,06:00:00,07:00:00,1200,1\n"
    "FREQ0,16:00:00,16:30:00,600,0\n",
    "transfers.txt": "from_stop_id,to_stop_id,from_trip_id,to_trip_id,transfer_type,"
    "min_transfer_time\n"
    "X1,X4,,,3,\n"
    "X2,X2,,,2,120\n"
    "X3,Y1,,,2,300\n"
    "X3,X3,,,3,\n"
    "ST,ST,,,2,240\n"
    "P1,P1,,,2,30\n"
    ",,U1,U2,4,\n",
}

FEED_B: dict[str, str] = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
    "B,Bravo,https://b.example.org,Europe/London\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
    "Z1,Zeta uno,44.4005,8.9010\nZ2,Zeta due,44.3000,8.9000\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nRZ,B,Z,4\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
    "start_date,end_date\nALL,1,1,1,1,1,1,1,20240101,20241231\n",
    "trips.txt": "route_id,service_id,trip_id\nRZ,ALL,BT\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    "BT,08:00:00,08:00:00,Z1,1\nBT,08:30:00,08:30:00,Z2,2\n",
}


def import_feeds(engine: Engine, tmp_path: Path) -> None:
    """Import feed ``a`` and feed ``b`` as current versions."""
    import_feed(engine, write_feed(tmp_path / "a", FEED_A), "a")
    import_feed(engine, write_feed(tmp_path / "b", FEED_B), "b")


@pytest.fixture
def session(engine: Engine, tmp_path: Path) -> Iterator[Session]:
    import_feeds(engine, tmp_path)
    with Session(engine) as opened:
        yield opened


def runs(tt: Timetable, trip_ref: str) -> list[tuple[date, list[int], list[int], int]]:
    """(service date, departures, arrivals, pattern) of each run of a trip, by departure."""
    out = []
    for p, ids in enumerate(tt.pattern_trip_ids):
        for row, t in enumerate(ids.tolist()):
            if tt.trips[t].trip_ref == trip_ref:
                out.append(
                    (
                        tt.trips[t].service_date,
                        tt.pattern_departures[p][row].tolist(),
                        tt.pattern_arrivals[p][row].tolist(),
                        p,
                    )
                )
    return sorted(out, key=lambda r: r[1][0])


def trip_index(tt: Timetable, trip_ref: str, day: date) -> int:
    (index,) = [
        i for i, t in enumerate(tt.trips) if t.trip_ref == trip_ref and t.service_date == day
    ]
    return index


def at(tt: Timetable, seconds: int) -> datetime:
    """The instant of a timetable time."""
    return tt.origin + timedelta(seconds=seconds)


def hms(h: int, m: int = 0) -> int:
    return h * 3600 + m * 60


def test_weekday_timetable_holds_the_weekday_trips_and_is_consistent(session: Session) -> None:
    """On a Tuesday the WD trips run that day, the Saturday extra does not; invariants hold."""
    tt = build_timetable(session, TUESDAY)
    tt.check()
    assert tt.origin == datetime(2024, 3, 4, tzinfo=ROME).astimezone(UTC)
    assert [d for d, *_ in runs(tt, "a:T1")] == [TUESDAY]
    assert runs(tt, "a:SAT") == []
    day0 = 86400
    assert runs(tt, "a:T1")[0][1] == [day0 + hms(8), day0 + hms(8, 10), day0 + hms(8, 20)]
    assert tt.stop_refs[:3] == ("a:P1", "a:P2", "a:ST")
    assert tt.stop_names[tt.stop_refs.index("a:X2")] == "Due"


def test_calendar_dates_remove_and_add_service(session: Session) -> None:
    """WD is removed on Wed 2024-03-06; EXTRA runs only on Sat 2024-03-09 (no calendar.txt)."""
    wednesday = build_timetable(session, date(2024, 3, 6))
    assert runs(wednesday, "a:T1") == []
    assert [d for d, *_ in runs(wednesday, "b:BT")] == [date(2024, 3, 6)]
    saturday = build_timetable(session, date(2024, 3, 9))
    assert [d for d, *_ in runs(saturday, "a:SAT")] == [date(2024, 3, 9)]
    assert runs(saturday, "a:T1") == []


def test_trip_past_midnight_runs_on_the_next_day_after_the_previous_days_trips(
    session: Session,
) -> None:
    """LATE (23:50-24:30) of Monday is in Tuesday's timetable, its times 0-1 day on the axis,
    Tuesday's LATE a day later; Monday's trips ending before midnight are left out."""
    tt = build_timetable(session, TUESDAY)
    late = runs(tt, "a:LATE")
    assert [d for d, *_ in late] == [date(2024, 3, 4), TUESDAY]
    assert late[0][1] == [hms(23, 50), hms(24, 10), hms(24, 30)]
    assert late[1][1] == [86400 + t for t in late[0][1]]
    assert late[0][2][-1] > 86400
    assert at(tt, late[0][2][-1]) == datetime(2024, 3, 5, 0, 30, tzinfo=ROME)
    assert [d for d, *_ in runs(tt, "a:T1")] == [TUESDAY]
    # Wednesday has no WD service, but Tuesday's LATE still runs after its midnight.
    wednesday = build_timetable(session, date(2024, 3, 6))
    assert [d for d, *_ in runs(wednesday, "a:LATE")] == [TUESDAY]


def test_frequencies_are_expanded_into_runs(session: Session) -> None:
    """FREQ (exact_times 1, 06:00-07:00 every 20 min) runs at 06:00, 06:20 and 06:40 with the
    template's offsets and dwell; FREQ0 (exact_times 0, 16:00-16:30 every 10 min) thrice."""
    tt = build_timetable(session, TUESDAY)
    day0 = 86400
    freq = runs(tt, "a:FREQ")
    starts = [hms(6), hms(6, 20), hms(6, 40)]
    assert [r[1] for r in freq] == [[day0 + s, day0 + s + 600] for s in starts]
    assert [r[2] for r in freq] == [[day0 + s, day0 + s + 540] for s in starts]
    freq0 = runs(tt, "a:FREQ0")
    assert [r[1][0] - day0 for r in freq0] == [hms(16), hms(16, 10), hms(16, 20)]
    assert [r[2][1] - r[1][0] for r in freq0] == [420] * 3


def test_pickup_and_drop_off_types(session: Session) -> None:
    """pickup_type 1 forbids boarding and drop_off_type 1 alighting, blank or 0 allow them; a
    trip with other flags than T1's on the same stops gets a pattern of its own."""
    tt = build_timetable(session, TUESDAY)
    ((_, _, _, p),) = runs(tt, "a:PICK")
    ((_, _, _, t1),) = runs(tt, "a:T1")
    assert p != t1
    assert tt.pattern_stops[p].tolist() == tt.pattern_stops[t1].tolist()
    assert tt.pattern_pickup[p].tolist() == [[True, False, False]]
    assert tt.pattern_dropoff[p].tolist() == [[False, True, True]]
    assert tt.pattern_pickup[t1].all()
    assert tt.pattern_dropoff[t1].all()


def test_overtaking_trips_are_split_so_every_pattern_is_fifo(session: Session) -> None:
    """FAST leaves X1 after SLOW and reaches X3 before it: same stops, separate patterns; every
    pattern's departures and arrivals never decrease from one trip to the next."""
    tt = build_timetable(session, TUESDAY)
    (slow,), (fast,) = runs(tt, "a:SLOW"), runs(tt, "a:FAST")
    assert slow[3] != fast[3]
    assert tt.pattern_stops[slow[3]].tolist() == tt.pattern_stops[fast[3]].tolist()
    for dep, arr in zip(tt.pattern_departures, tt.pattern_arrivals, strict=True):
        assert np.all(np.diff(dep, axis=0) >= 0)
        assert np.all(np.diff(arr, axis=0) >= 0)
        assert np.all(np.diff(dep[:, 0]) >= 0)


def test_blank_times_are_interpolated_by_shape_distance(session: Session) -> None:
    """INTERP has no time at X2, a quarter of the way (shape_dist_traveled 0, 1, 4): 13:05."""
    tt = build_timetable(session, TUESDAY)
    ((_, dep, arr, _),) = runs(tt, "a:INTERP")
    assert dep == [86400 + hms(13), 86400 + hms(13, 5), 86400 + hms(13, 20)]
    assert arr == dep


def test_feeds_in_two_time_zones_share_one_time_axis(session: Session) -> None:
    """BT leaves Z1 at 08:00 London time, 09:00 in Rome: one hour after T1 leaves X1 at 08:00."""
    tt = build_timetable(session, TUESDAY)
    ((_, bt, _, _),) = runs(tt, "b:BT")
    ((_, t1, _, _),) = runs(tt, "a:T1")
    assert at(tt, bt[0]) == datetime(2024, 3, 5, 8, tzinfo=LONDON)
    assert at(tt, t1[0]) == datetime(2024, 3, 5, 8, tzinfo=ROME)
    assert bt[0] - t1[0] == 3600


def test_times_are_true_instants_on_the_day_clocks_change(session: Session) -> None:
    """On Sunday 2024-03-31 (summer time from 02:00 in Rome, 01:00 UTC in London) GTFS times
    count from noon minus 12 h, and the axis holds the real instants."""
    sunday = date(2024, 3, 31)
    tt = build_timetable(session, sunday)
    assert tt.origin == datetime(2024, 3, 30, tzinfo=ROME).astimezone(UTC)
    ((_, bt, arr, _),) = runs(tt, "b:BT")
    assert at(tt, bt[0]) == datetime(2024, 3, 31, 8, tzinfo=LONDON)
    assert at(tt, arr[1]) == datetime(2024, 3, 31, 8, 30, tzinfo=LONDON)
    # 09:00 in Rome, nine wall-clock hours after midnight of which one was skipped.
    assert bt[0] == 86400 + hms(9) - 3600


def test_block_continuation_and_in_seat_transfers(session: Session) -> None:
    """T1 ends at X3 where T2 of its block starts later: T1 continues as T2; T2 ends at X1 but
    T3 starts at X2, so no continuation; transfers.txt type 4 links U1 to U2."""
    tt = build_timetable(session, TUESDAY)
    t1, t2 = trip_index(tt, "a:T1", TUESDAY), trip_index(tt, "a:T2", TUESDAY)
    assert tt.trips[t1].block_next == t2
    assert tt.trips[t2].block_next == -1
    u1, u2 = trip_index(tt, "a:U1", TUESDAY), trip_index(tt, "a:U2", TUESDAY)
    assert tt.trips[u1].block_next == u2
    assert tt.trips[trip_index(tt, "a:LATE", TUESDAY)].block_next == -1


def test_wheelchair_flags_of_stops_and_trips(session: Session) -> None:
    """wheelchair_boarding per stop (a platform without one inherits its station's) and
    wheelchair_accessible per trip, 0 when blank."""
    tt = build_timetable(session, TUESDAY)
    flags = dict(zip(tt.stop_refs, tt.stop_wheelchair.tolist(), strict=True))
    assert flags["a:X1"] == 1
    assert flags["a:X2"] == 2
    assert flags["a:X4"] == 0
    assert flags["a:P1"] == 1  # inherited from ST
    assert flags["a:P2"] == 2  # its own
    by_ref = {t.trip_ref: t.wheelchair for t in tt.trips}
    assert (by_ref["a:T1"], by_ref["a:T2"], by_ref["a:T3"]) == (1, 0, 2)


def test_route_and_trip_details(session: Session) -> None:
    """TripInfo carries feed-qualified references, the route type and the headsign."""
    tt = build_timetable(session, TUESDAY)
    bt = tt.trips[trip_index(tt, "b:BT", TUESDAY)]
    assert (bt.route_ref, bt.route_type, bt.headsign) == ("b:RZ", 4, "")
    t1 = tt.trips[trip_index(tt, "a:T1", TUESDAY)]
    assert (t1.route_ref, t1.route_type, t1.headsign) == ("a:RA", 3, "Tre")


def test_feeds_argument_limits_the_timetable(session: Session) -> None:
    """feeds=["b"] gives only feed b's stops and trips; an unknown feed is an error."""
    tt = build_timetable(session, TUESDAY, feeds=["b"])
    assert tt.stop_refs == ("b:Z1", "b:Z2")
    assert {t.trip_ref for t in tt.trips} == {"b:BT"}
    assert tt.transfers[0].tolist() == []
    with pytest.raises(FeedNotFound):
        build_timetable(session, TUESDAY, feeds=["nope"])


def test_a_day_without_service_gives_stops_but_no_trips(session: Session) -> None:
    """Outside both calendars (2023) the timetable has the stops and no patterns."""
    tt = build_timetable(session, date(2023, 6, 1))
    tt.check()
    assert tt.n_stops == 10
    assert tt.n_patterns == 0
    assert tt.trips == ()


def test_version_key_changes_when_a_feed_is_imported_again(
    session: Session, engine: Engine, tmp_path: Path
) -> None:
    """The cache key lists each feed's current version and moves on with a new import."""
    before = version_key(session)
    assert [feed for feed, _ in before] == ["a", "b"]
    assert version_key(session, ["b"]) == before[1:]
    import_feed(engine, write_feed(tmp_path / "b2", FEED_B), "b")
    session.rollback()
    after = version_key(session)
    assert after[0] == before[0]
    assert after[1][1] > before[1][1]


def test_next_days_early_runs_on_request(session: Session) -> None:
    """next_day_before_s=06:30 adds Tuesday's runs leaving before 06:30 to Monday's timetable
    (FREQ at 06:00 and 06:20, two days after the origin), nothing else of Tuesday."""
    monday = date(2024, 3, 4)
    assert [d for d, *_ in runs(build_timetable(session, monday), "a:FREQ")] == [monday] * 3
    tt = build_timetable(session, monday, next_day_before_s=hms(6, 30))
    tt.check()
    tuesday_runs = [r for r in runs(tt, "a:FREQ") if r[0] == TUESDAY]
    assert [r[1][0] for r in tuesday_runs] == [2 * 86400 + hms(6), 2 * 86400 + hms(6, 20)]
    assert {t.trip_ref for t in tt.trips if t.service_date == TUESDAY} == {"a:FREQ"}

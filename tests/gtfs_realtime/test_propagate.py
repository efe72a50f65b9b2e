from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from datetime import UTC, date, datetime

import pytest

from gtfs.realtime.parse import parse_feed, parse_gtfs_time
from gtfs.realtime.propagate import apply_trip_update
from gtfs.realtime.records import TripUpdate
from gtfs.service_days import service_day_origin
from tests.gtfs_realtime.conftest import FGC_STATIC
from tests.gtfs_realtime.factories import FeedBuilder, stop

LATE_TRIP = "625cdae1027438|7e2dc0e103"  # 78 s late from SA, leaves PI only 48 s late
TEN_S_TRIP = "6c4bdab144746c0fb955c60d40|682dc5e505"  # 10 s late from SR (stop_sequence 8)
Scheduled = list[tuple[int, str, int | None, int | None]]


@pytest.fixture(scope="module")
def fgc_schedule() -> dict[str, Scheduled]:
    """Static stop times of the two FGC trips, read from the real feed of the same day."""
    if not FGC_STATIC.exists():
        pytest.skip(f"{FGC_STATIC} is absent")
    wanted = {LATE_TRIP, TEN_S_TRIP}
    rows: dict[str, Scheduled] = {t: [] for t in wanted}
    with zipfile.ZipFile(FGC_STATIC) as z, z.open("stop_times.txt") as fh:
        for r in csv.DictReader(io.TextIOWrapper(fh, "utf-8-sig")):
            if r["trip_id"] in wanted:
                rows[r["trip_id"]].append(
                    (
                        int(r["stop_sequence"]),
                        r["stop_id"],
                        parse_gtfs_time(r["arrival_time"]),
                        parse_gtfs_time(r["departure_time"]),
                    )
                )
    return {t: sorted(r) for t, r in rows.items()}


def _fgc_update(fgc_bytes: bytes, trip_id: str) -> TripUpdate:
    feed = parse_feed(fgc_bytes, timezone="Europe/Madrid", received_at=1755787600)
    (tu,) = [t for t in feed.trip_updates if t.trip_id == trip_id]
    return tu


FGC_ORIGIN = service_day_origin(date(2025, 8, 21), "Europe/Madrid")


def test_fgc_trip_is_ten_seconds_late_from_its_first_update(
    fgc_bytes: bytes, fgc_schedule: dict[str, Scheduled]
) -> None:
    """Against its real schedule, the FGC trip runs 10 s late from SR on; earlier stops unknown."""
    rt = apply_trip_update(
        fgc_schedule[TEN_S_TRIP], _fgc_update(fgc_bytes, TEN_S_TRIP), service_day_origin=FGC_ORIGIN
    )
    assert len(rt.stop_times) == 24
    assert rt.unmatched_updates == 0
    before, after = rt.stop_times[:7], rt.stop_times[7:]
    assert all(s.arrival_delay is None and s.source == "schedule" for s in before)
    assert after[0].stop_id == "SR"
    assert after[0].stop_sequence == 8
    assert {(s.arrival_delay, s.departure_delay, s.source) for s in after} == {(10, 10, "realtime")}
    sr = after[0]
    assert (sr.scheduled_arrival_s, sr.arrival_s) == (parse_gtfs_time("16:42:00"), 60130)


def test_fgc_dwell_change_is_kept_per_event(
    fgc_bytes: bytes, fgc_schedule: dict[str, Scheduled]
) -> None:
    """The real late trip arrives at PI 78 s late but departs 48 s late (a shortened dwell)."""
    rt = apply_trip_update(
        fgc_schedule[LATE_TRIP], _fgc_update(fgc_bytes, LATE_TRIP), service_day_origin=FGC_ORIGIN
    )
    by_stop = {s.stop_id: s for s in rt.stop_times}
    assert (by_stop["SA"].arrival_delay, by_stop["SA"].departure_delay) == (78, 78)
    assert (by_stop["PI"].arrival_delay, by_stop["PI"].departure_delay) == (78, 48)
    assert by_stop["PA"].arrival_delay is None  # before the first update
    assert by_stop["IG"].departure_delay == 78


def test_fgc_single_update_propagates_to_every_later_stop(
    fgc_bytes: bytes, fgc_schedule: dict[str, Scheduled]
) -> None:
    """Keeping only the real SA update, its 78 s delay runs on to the terminus IG."""
    tu = _fgc_update(fgc_bytes, LATE_TRIP)
    only_first = dataclasses.replace(tu, stop_time_updates=tu.stop_time_updates[:1])
    rt = apply_trip_update(fgc_schedule[LATE_TRIP], only_first, service_day_origin=FGC_ORIGIN)
    after = [s for s in rt.stop_times if s.stop_sequence > 18]
    assert after
    assert all(s.departure_delay == 78 and s.source == "propagated" for s in after)
    ig = rt.stop_times[-1]
    assert ig.arrival_s == ig.scheduled_arrival_s + 78  # type: ignore[operator]


# -- synthetic trips -----------------------------------------------------------------------

# Twelve stops, five minutes apart from 10:00, one minute of dwell.
SCHEDULE: Scheduled = [
    (n, f"S{n}", 36000 + 300 * (n - 1), 36060 + 300 * (n - 1)) for n in range(1, 13)
]
ORIGIN = service_day_origin(date(2025, 8, 21), "Europe/Rome")


def _trip(**kwargs: object) -> TripUpdate:
    data = FeedBuilder().trip("T1", **kwargs).bytes()  # type: ignore[arg-type]
    (tu,) = parse_feed(data, timezone="Europe/Rome", received_at=0).trip_updates
    return tu


def _delays(tu: TripUpdate | None) -> list[int | None]:
    rt = apply_trip_update(SCHEDULE, tu, service_day_origin=ORIGIN)
    return [s.arrival_delay for s in rt.stop_times]


def test_spec_example_two() -> None:
    """The spec's example: 300 s at 3, 60 s at 8, unspecified at 10 -> unknown/300/60/unknown."""
    tu = _trip(
        stops=[
            stop(3, arrival_delay=300),
            stop(8, arrival_delay=60),
            stop(10, departure_delay=None),
        ]
    )
    assert _delays(tu) == [None, None, 300, 300, 300, 300, 300, 60, 60, None, None, None]


def test_absolute_time_gives_the_delay() -> None:
    """An absolute arrival time 90 s after the scheduled one is a 90 s delay, propagated."""
    scheduled_s2 = ORIGIN + 36300
    tu = _trip(stops=[stop(2, arrival_time=scheduled_s2 + 90, departure_time=scheduled_s2 + 150)])
    rt = apply_trip_update(SCHEDULE, tu, service_day_origin=ORIGIN)
    s2, s3 = rt.stop_times[1], rt.stop_times[2]
    assert (s2.arrival_delay, s2.departure_delay, s2.arrival_s) == (90, 90, 36390)
    assert (s3.arrival_delay, s3.arrival_s, s3.source) == (90, 36690, "propagated")


def test_no_data_stops_propagation_until_the_next_update() -> None:
    """NO_DATA makes later delays unknown, until an update with timing resumes them."""
    tu = _trip(
        stops=[
            stop(2, arrival_delay=120),
            stop(5, relationship="NO_DATA"),
            stop(8, arrival_delay=30),
        ]
    )
    assert _delays(tu) == [None, 120, 120, 120, None, None, None, 30, 30, 30, 30, 30]


def test_skipped_stop_is_flagged_and_delay_passes_through() -> None:
    """A SKIPPED stop is flagged; the running delay continues unchanged past it."""
    tu = _trip(stops=[stop(2, arrival_delay=60), stop(4, relationship="SKIPPED")])
    rt = apply_trip_update(SCHEDULE, tu, service_day_origin=ORIGIN)
    assert [s.stop_sequence for s in rt.stop_times if s.skipped] == [4]
    assert rt.stop_times[3].arrival_delay == 60
    assert rt.stop_times[4].arrival_delay == 60
    assert not rt.stop_times[4].skipped


def test_canceled_trip_flags_every_stop() -> None:
    """A CANCELED trip flags every stop as canceled and predicts nothing."""
    tu = _trip(relationship="CANCELED")
    rt = apply_trip_update(SCHEDULE, tu, service_day_origin=ORIGIN)
    assert rt.canceled
    assert all(s.canceled and s.arrival_delay is None for s in rt.stop_times)
    assert [s.arrival_s for s in rt.stop_times] == [s[2] for s in SCHEDULE]


def test_no_update_means_schedule_without_realtime() -> None:
    """Without an update every stop keeps its scheduled time and an unknown delay."""
    rt = apply_trip_update(SCHEDULE, None, service_day_origin=ORIGIN)
    assert rt.schedule_relationship is None
    assert not rt.canceled
    assert all(s.source == "schedule" and s.arrival_delay is None for s in rt.stop_times)


def test_trip_delay_covers_stops_until_the_first_update() -> None:
    """TripUpdate.delay applies to every stop until a stop time update takes precedence."""
    assert _delays(_trip(delay=45)) == [45] * 12
    assert _delays(_trip(delay=45, stops=[stop(6, arrival_delay=-20)])) == [45] * 5 + [-20] * 7


def test_arrival_only_update_sets_departure_too() -> None:
    """An update giving only the arrival delay gives the same delay to the departure."""
    rt = apply_trip_update(
        SCHEDULE, _trip(stops=[stop(3, arrival_delay=200)]), service_day_origin=ORIGIN
    )
    s3 = rt.stop_times[2]
    assert (s3.arrival_delay, s3.departure_delay) == (200, 200)
    assert s3.departure_s == SCHEDULE[2][3] + 200  # type: ignore[operator]


def test_departure_never_precedes_arrival() -> None:
    """A departure predicted before the arrival at the same stop is moved to the arrival."""
    tu = _trip(stops=[stop(3, arrival_delay=300, departure_delay=0)])
    s3 = apply_trip_update(SCHEDULE, tu, service_day_origin=ORIGIN).stop_times[2]
    assert s3.departure_s == s3.arrival_s == SCHEDULE[2][2] + 300  # type: ignore[operator]
    assert s3.departure_delay == 240


def test_loop_trip_matches_stop_id_in_order() -> None:
    """On a loop visiting A twice, an update by stop_id after stop 3 matches the second visit."""
    loop: Scheduled = [(1, "A", 0, 0), (2, "B", 100, 100), (3, "C", 200, 200), (4, "A", 300, 300)]
    tu = _trip(stops=[stop(3, arrival_delay=10), stop(stop_id="A", arrival_delay=50)])
    rt = apply_trip_update(loop, tu, service_day_origin=ORIGIN)
    assert [s.arrival_delay for s in rt.stop_times] == [None, None, 10, 50]


def test_unknown_stop_is_counted_not_matched() -> None:
    """An update naming a stop the trip does not serve is counted and ignored."""
    tu = _trip(stops=[stop(99, arrival_delay=10), stop(stop_id="NOWHERE", arrival_delay=10)])
    rt = apply_trip_update(SCHEDULE, tu, service_day_origin=ORIGIN)
    assert rt.unmatched_updates == 2
    assert all(s.arrival_delay is None for s in rt.stop_times)


def test_added_trip_without_schedule_uses_the_updates() -> None:
    """An ADDED trip absent from the schedule gets its stop times from the updates alone."""
    tu = _trip(
        relationship="ADDED",
        stops=[
            stop(stop_id="S1", departure_time=ORIGIN + 40000),
            stop(stop_id="S5", arrival_time=ORIGIN + 40600),
        ],
    )
    rt = apply_trip_update([], tu, service_day_origin=ORIGIN)
    assert [(s.stop_sequence, s.stop_id, s.arrival_s, s.departure_s) for s in rt.stop_times] == [
        (1, "S1", 40000, 40000),
        (2, "S5", 40600, 40600),
    ]


def test_service_day_origin_is_noon_minus_twelve_hours() -> None:
    """The origin is local noon minus 12 h: 23:00 the day before on a spring-forward date."""
    assert service_day_origin(date(2025, 8, 21), "Europe/Rome") == int(
        datetime(2025, 8, 20, 22, 0, tzinfo=UTC).timestamp()
    )
    spring_forward = service_day_origin(date(2025, 3, 30), "Europe/Rome")
    assert spring_forward == int(datetime(2025, 3, 29, 22, 0, tzinfo=UTC).timestamp())

"""RAPTOR against the brute-force reference on timetables built from real feeds.

The property tests (`tests/routing/algorithms/test_raptor_properties.py`) compare RAPTOR with
`routing.algorithms.reference.earliest_arrivals` on small random timetables; real feeds add what
those rarely produce: hundreds of patterns, overtaking trips split into patterns, frequencies,
parent stations with transfers.txt rules, footpaths from stop coordinates, trips of the previous
service day past midnight, and several time zones on one axis. Each feed is imported once per
module into a SQLite database, its timetable built with `routing.timetable_builder`, and seeded
random stop-to-stop queries are answered by both; per number of trips the earliest arrivals must
agree exactly and every RAPTOR journey must re-simulate on the timetable.

Feeds and service days (a weekday with the most active trips, found from calendar.txt and
calendar_dates.txt of each feed when this test was written):

- ``sample_google_sample-feed-1.zip``: Tue 2008-06-03 (every weekday alike; frequencies.txt,
  a block of two trips);
- ``ca_bc_inland_ferries_2024.zip``: Tue 2024-06-25 (summer service; almost every trip is in a
  block, ferries shuttling back and forth; America/Vancouver);
- ``pl_zakroczym_faresv2_2025-11.zip``: Thu 2025-11-13 (Europe/Warsaw);
- ``sample_gtfskit_cairns_2014.zip``: Fri 2014-06-06 (Fridays add a few trips to Mon-Thu);
- ``sample_gtfskit_nyc_subway_2024-12.zip``: Tue 2024-12-17 (parent stations, transfers.txt;
  America/New_York);
- ``it_prato_cap_2016.zip`` (data/sample): Mon 2016-04-11 (calendar_dates.txt only);
- ferries and Zakroczym imported together, Tue 2025-11-18: two feeds, nine hours apart, on one
  time axis (their stops are far apart, so no footpath joins them).

``it_udine_saf_osm_2016.zip`` is left out: the importer rejects it (invalid dates and times).

The ferries chain almost every trip into the next (stay-seated continuations), so the
continuation logic is checked on real blocks too.

The reference has no pruning and scans the rest of the day from every state, which costs seconds
per query on the larger feeds, so there it runs on the timetable cut to the trips running within
a few hours after the query's departure (`window`). That cut is exact for every journey arriving
within the window, and the cut timetable is itself a timetable: RAPTOR must agree with the
reference on it exactly, and RAPTOR on the whole timetable must agree for arrivals inside it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gtfs.importer import import_feed
from mobility.db import make_engine
from mobility.migrate import upgrade
from routing.algorithms.raptor import Journey, RaptorParams, raptor
from routing.algorithms.reference import earliest_arrivals
from routing.algorithms.timetable import Timetable
from routing.timetable_builder import build_timetable
from tests.conftest import SAMPLE_FEED, shared_feed
from tests.routing.algorithms.factories import journey_errors
from tests.routing.algorithms.test_raptor_properties import best_by_trips

HOUR = 3600
NEAR_M = 5000  # half of the destinations are this close to the origin
BLOCK_QUERIES = 10  # per feed with blocks, on top of the random queries


@dataclass(frozen=True)
class FeedCase:
    """One test's timetable: feeds imported together, the service day, how many queries.

    ``horizon_s`` is None to run the reference on the whole timetable, else the length of the
    window after each query's departure that it runs on (the larger feeds).
    """

    feeds: tuple[str, ...]
    service_date: date
    queries: int
    horizon_s: int | None = None


CASES: dict[str, FeedCase] = {
    "google": FeedCase(("sample_google_sample-feed-1.zip",), date(2008, 6, 3), 40),
    "ferries": FeedCase(("ca_bc_inland_ferries_2024.zip",), date(2024, 6, 25), 50),
    "zakroczym": FeedCase(("pl_zakroczym_faresv2_2025-11.zip",), date(2025, 11, 13), 50),
    "cairns": FeedCase(("sample_gtfskit_cairns_2014.zip",), date(2014, 6, 6), 40, 3 * HOUR),
    "nyc_subway": FeedCase(
        ("sample_gtfskit_nyc_subway_2024-12.zip",), date(2024, 12, 17), 30, 90 * 60
    ),
    "prato": FeedCase(("it_prato_cap_2016.zip",), date(2016, 4, 11), 30, 90 * 60),
    "ferries_and_zakroczym": FeedCase(
        ("ca_bc_inland_ferries_2024.zip", "pl_zakroczym_faresv2_2025-11.zip"),
        date(2025, 11, 18),
        40,
    ),
}


# Timetable variants a query picks from: the builder's default footpaths (400 m), none at all,
# and a default same-stop change time set by the builder instead of by the query.
@dataclass(frozen=True)
class Variant:
    """Builder options (`routing.timetable_builder.build_timetable`'s defaults unless set)."""

    max_transfer_walk_m: float = 400
    default_min_transfer_s: int = -1


VARIANTS: dict[str, Variant] = {
    "footpaths": Variant(),
    "no_footpaths": Variant(max_transfer_walk_m=0),
    "change_120s": Variant(default_min_transfer_s=120),
}


def feed_path(name: str) -> Path:
    """The feed's zip: Prato ships in data/sample, the others need ../shared (else skip)."""
    return SAMPLE_FEED if name == SAMPLE_FEED.name else shared_feed(name)


@dataclass
class FeedDatabase:
    """A SQLite database importing each feed on first use, and the timetables built from it."""

    engine: Engine
    imported: set[str] = field(default_factory=set)
    built: dict[tuple[str, str], Timetable] = field(default_factory=dict)

    def timetable(self, name: str, variant: str) -> Timetable:
        """The timetable of case ``name`` built with the builder options of ``variant``."""
        key = (name, variant)
        if key not in self.built:
            case = CASES[name]
            for feed in case.feeds:
                if feed not in self.imported:
                    import_feed(self.engine, feed_path(feed), feed_id(feed))
                    self.imported.add(feed)
            with Session(self.engine) as session:
                tt = build_timetable(
                    session,
                    case.service_date,
                    feeds=[feed_id(f) for f in case.feeds],
                    max_transfer_walk_m=VARIANTS[variant].max_transfer_walk_m,
                    default_min_transfer_s=VARIANTS[variant].default_min_transfer_s,
                )
            self.built[key] = tt
        return self.built[key]


def feed_id(zip_name: str) -> str:
    """The feed id a zip is imported under: its name without the extension."""
    return zip_name.removesuffix(".zip")


@pytest.fixture(scope="module")
def feed_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FeedDatabase]:
    """One migrated SQLite database for the module: every feed is imported at most once."""
    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('feeds') / 'feeds.sqlite3'}")
    upgrade(eng)
    yield FeedDatabase(eng)
    eng.dispose()


# -- helpers ---------------------------------------------------------------------------------


def window(tt: Timetable, start: int, end: int) -> Timetable:
    """The timetable with only the trips running at some time in ``[start, end]``.

    A journey leaving at ``start`` or later and arriving by ``end`` rides only such trips, so
    the earliest arrivals up to ``end`` are the same on both timetables. Trip indices (and so
    ``block_next``) are kept; trips left out are in no pattern, which both algorithms allow.
    """
    kept: list[tuple[int, np.ndarray]] = []  # (pattern, its rows kept)
    for p in range(tt.n_patterns):
        dep, arr = tt.pattern_departures[p], tt.pattern_arrivals[p]
        rows = np.flatnonzero((dep[:, 0] <= end) & (arr[:, -1] >= start))
        if len(rows):
            kept.append((p, rows))
    by_stop: list[list[tuple[int, int]]] = [[] for _ in range(tt.n_stops)]
    for new, (p, _) in enumerate(kept):
        for i, s in enumerate(tt.pattern_stops[p].tolist()):
            by_stop[s].append((new, i))
    return replace(
        tt,
        pattern_stops=tuple(tt.pattern_stops[p] for p, _ in kept),
        pattern_departures=tuple(tt.pattern_departures[p][r] for p, r in kept),
        pattern_arrivals=tuple(tt.pattern_arrivals[p][r] for p, r in kept),
        pattern_trip_ids=tuple(tt.pattern_trip_ids[p][r] for p, r in kept),
        pattern_pickup=tuple(tt.pattern_pickup[p][r] for p, r in kept),
        pattern_dropoff=tuple(tt.pattern_dropoff[p][r] for p, r in kept),
        stop_patterns=tuple(np.asarray(sp, dtype=np.int32).reshape(-1, 2) for sp in by_stop),
    )


def components(tt: Timetable) -> list[int]:
    """A component label per stop: stops joined by a pattern or a footpath share it.

    Picking the destination in the origin's component keeps most queries answerable (the
    ferries' lakes, for instance, are not connected at all).
    """
    parent = list(range(tt.n_stops))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    for stops in tt.pattern_stops:
        for a, b in pairwise(stops.tolist()):
            union(a, b)
    for s, edges in enumerate(tt.transfers):
        for u in edges.reshape(-1, 2)[:, 0].tolist():
            union(s, u)
    return [find(s) for s in range(tt.n_stops)]


@dataclass(frozen=True)
class Query:
    """One random query, printable as a reproducer."""

    variant: str
    origin: int
    destination: int
    departure: int
    params: RaptorParams

    def describe(self, tt: Timetable) -> str:
        """Stop references, time and options: enough to rerun the query by hand."""
        p = self.params
        return (
            f"{self.variant}: {tt.stop_refs[self.origin]} (#{self.origin}) -> "
            f"{tt.stop_refs[self.destination]} (#{self.destination}) at {self.departure} "
            f"(max_transfers={p.max_transfers}, min_transfer_s={p.min_transfer_s})"
        )


def distance_m(tt: Timetable, a: int, b: int) -> float:
    """Straight-line distance between two stops (equirectangular: fine within a city)."""
    lat = np.radians((tt.stop_lat[a] + tt.stop_lat[b]) / 2)
    dx = np.radians(tt.stop_lon[b] - tt.stop_lon[a]) * np.cos(lat)
    dy = np.radians(tt.stop_lat[b] - tt.stop_lat[a])
    return float(6_371_000 * np.hypot(dx, dy))


def random_queries(tt: Timetable, n: int, rng: random.Random) -> list[Query]:
    """``n`` queries between stops served by patterns, departing all over the service day."""
    # Stops weighted by their number of calls: busy stops are where people travel from and to,
    # and a stop with two school runs a day rarely has an answer.
    calls = np.zeros(tt.n_stops)
    for stops, trips in zip(tt.pattern_stops, tt.pattern_trip_ids, strict=True):
        np.add.at(calls, stops, len(trips))
    served = np.flatnonzero(calls).tolist()

    def pick(among: list[int]) -> int:
        return rng.choices(among, weights=[calls[s] for s in among])[0]

    comp = components(tt)
    by_comp: dict[int, list[int]] = {}
    for s in served:
        by_comp.setdefault(comp[s], []).append(s)
    firsts = np.concatenate([d[:, 0] for d in tt.pattern_departures])
    # The middle 96 % of first departures: the day's service, not a lone night trip.
    lo, hi = (int(x) for x in np.percentile(firsts, [2, 98]))
    out = []
    for _ in range(n):
        origin = pick(served)
        mates = [s for s in by_comp[comp[origin]] if s != origin]
        near = [s for s in mates if distance_m(tt, origin, s) <= NEAR_M]
        draw = rng.random()
        if near and draw < 0.5:  # a trip across town, as most are
            destination = pick(near)
        elif mates and draw < 0.9:
            destination = pick(mates)
        else:  # sometimes anywhere, also where nothing can reach
            destination = pick([s for s in served if s != origin])
        params = RaptorParams(
            max_transfers=rng.choice([5, 5, 5, 5, 3, 2, 1, 0]),
            min_transfer_s=rng.choice([0, 60, 60, 180]),
        )
        out.append(
            Query(rng.choice(list(VARIANTS)), origin, destination, rng.randint(lo, hi), params)
        )
    return out


def block_queries(tt: Timetable, n: int, rng: random.Random) -> list[Query]:
    """Up to ``n`` queries from where a trip starts to a stop of the trip its vehicle continues
    as (block_id, in-seat transfers), leaving shortly before: random stops seldom need that."""
    where: dict[int, tuple[int, int]] = {}  # trip -> (pattern, row)
    for p, trips in enumerate(tt.pattern_trip_ids):
        for row, t in enumerate(trips.tolist()):
            where[t] = (p, row)
    links = [
        (t, info.block_next)
        for t, info in enumerate(tt.trips)
        if t in where and info.block_next in where
    ]
    out = []
    for t, t2 in rng.sample(links, min(n, len(links))):
        (p, row), (p2, _) = where[t], where[t2]
        origin = int(tt.pattern_stops[p][0])
        ends = [int(s) for s in tt.pattern_stops[p2][1:].tolist() if s != origin]
        if not ends:
            continue
        departure = int(tt.pattern_departures[p][row, 0]) - rng.randint(0, 600)
        params = RaptorParams(max_transfers=rng.choice([5, 1, 0]), min_transfer_s=60)
        out.append(Query(rng.choice(list(VARIANTS)), origin, rng.choice(ends), departure, params))
    return out


def fewest_transfers(journeys: Sequence[Journey]) -> Journey | None:
    """The journey with the fewest transfers (the earliest of them)."""
    return min(journeys, key=lambda j: (j.transfers, j.arrival), default=None)


def up_to(arrivals: Sequence[int | None], limit: int) -> list[int | None]:
    """The arrivals no later than ``limit`` (later ones count as none)."""
    return [a if a is not None and a <= limit else None for a in arrivals]


def check(tt: Timetable, q: Query, horizon_s: int | None) -> tuple[list[str], bool]:
    """What is wrong with RAPTOR's answer to ``q``, and whether the reference found a journey."""
    sources, targets = [(q.origin, 0)], [(q.destination, 0)]
    k_max = q.params.max_transfers + 1
    errors: list[str] = []
    res = raptor(tt, sources, targets, q.departure, q.params)
    for j in res.journeys:
        bad = journey_errors(tt, j, sources, targets, q.departure, q.params)
        if bad:
            errors.append(f"infeasible journey {j}: {bad}")
    by_transfers = sorted(res.journeys, key=lambda j: j.transfers)
    arrivals = [j.arrival for j in by_transfers]
    if any(b >= a for a, b in pairwise(arrivals)):
        errors.append(f"not a Pareto set: {[(j.transfers, j.arrival) for j in by_transfers]}")
    got = best_by_trips(res.journeys, k_max)
    answered = list(res.journeys)

    if horizon_s is None:
        expected = earliest_arrivals(tt, sources, targets, q.departure, q.params)
    else:
        # Exact on the cut timetable, and for arrivals inside the window on the whole one.
        end = q.departure + horizon_s
        cut = window(tt, q.departure, end)
        expected_cut = earliest_arrivals(cut, sources, targets, q.departure, q.params)
        res_cut = raptor(cut, sources, targets, q.departure, q.params)
        got_cut = best_by_trips(res_cut.journeys, k_max)
        if got_cut != expected_cut:
            errors.append(f"on the window: RAPTOR {got_cut} != reference {expected_cut}")
        for j in res_cut.journeys:
            bad = journey_errors(cut, j, sources, targets, q.departure, q.params)
            if bad:
                errors.append(f"infeasible journey on the window {j}: {bad}")
        expected, got = up_to(expected_cut, end), up_to(got, end)
        answered = [j for j in answered if j.arrival <= end]

    if got != expected:
        errors.append(f"earliest arrival per trip count: RAPTOR {got} != reference {expected}")
    # The two answers a traveller sees: the earliest arrival, and the one with fewest changes.
    earliest = min(answered, key=lambda j: (j.arrival, j.transfers), default=None)
    fewest = fewest_transfers(answered)
    best = expected[-1]
    if best is not None and (earliest is None or earliest.arrival != best):
        errors.append(f"earliest arrival {earliest and earliest.arrival} != reference {best}")
    first_k = next((k for k, a in enumerate(expected) if a is not None), None)
    if first_k is not None and (
        fewest is None or (fewest.transfers, fewest.arrival) != (first_k, expected[first_k])
    ):
        errors.append(
            f"fewest transfers {fewest and (fewest.transfers, fewest.arrival)} "
            f"!= reference {(first_k, expected[first_k])}"
        )
    return errors, best is not None


def run_case(feed_db: FeedDatabase, name: str) -> None:
    """Answer the case's seeded random queries; fail listing every mismatch with a reproducer."""
    case = CASES[name]
    rng = random.Random(f"reference-feeds:{name}")
    base = feed_db.timetable(name, "footpaths")
    queries = random_queries(base, case.queries, rng) + block_queries(base, BLOCK_QUERIES, rng)
    problems: list[str] = []
    found = 0
    for q in queries:
        tt = feed_db.timetable(name, q.variant)
        errors, ok = check(tt, q, case.horizon_s)
        found += ok
        problems.extend(f"{q.describe(tt)}: {e}" for e in errors)
    assert problems == [], f"{name} ({case.service_date}):\n" + "\n".join(problems[:20])
    # Not vacuous: a good share of the queries has an answer to compare.
    assert found >= len(queries) / 3, f"only {found} of {len(queries)} queries found a journey"


# -- tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in CASES if len(CASES[n].feeds) == 1])
def test_raptor_matches_reference_on_feed(feed_db: FeedDatabase, name: str) -> None:
    """Per trip count, RAPTOR's earliest arrival is the reference's on a real feed's day."""
    run_case(feed_db, name)


def test_raptor_matches_reference_on_two_feeds(feed_db: FeedDatabase) -> None:
    """The same holds on one timetable of two feeds in time zones nine hours apart."""
    run_case(feed_db, "ferries_and_zakroczym")


@pytest.mark.parametrize("name", ["google", "zakroczym"])
def test_window_keeps_every_arrival_within_it(feed_db: FeedDatabase, name: str) -> None:
    """The cut timetable the larger feeds use loses no journey arriving within the window."""
    tt = feed_db.timetable(name, "footpaths")
    rng = random.Random(f"reference-feeds-window:{name}")
    found = 0
    for q in random_queries(tt, 15, rng):
        end = q.departure + HOUR
        cut = window(tt, q.departure, end)
        cut.check()
        sources, targets = [(q.origin, 0)], [(q.destination, 0)]
        whole = earliest_arrivals(tt, sources, targets, q.departure, q.params)
        part = earliest_arrivals(cut, sources, targets, q.departure, q.params)
        assert up_to(part, end) == up_to(whole, end), q.describe(tt)
        found += up_to(whole, end)[-1] is not None
    assert found >= 5  # not vacuous: journeys within the hour were compared

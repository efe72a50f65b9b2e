"""Journey planning latency: our RAPTOR (server time, no HTTP) against pyraptor on the same feed.

Usage: .venv/bin/python benchmarks/journeys.py [--queries N] [--feed PATH] [--skip-peer]
       [--skip-combined] [--database sqlite|postgresql] [--peer-budget S] [--plan-queries N]

Feeds come from ../shared/data/gtfs (the script says so and exits 0 when it is absent). The
feed (default lt_vilnius_2015-16.zip) and, unless --skip-combined, every other shared feed are
imported into one fresh, migrated database (a temp-file SQLite by default). Then, for the
feed alone and for all feeds combined, on one weekday:

- the timetable build (`routing.timetable_builder.build_timetable_and_inputs`, with the next
  day's runs before 06:00 as the API's cache asks) is timed, and its memory reported: the bytes
  of the numpy arrays of the `Timetable` and of its flat copy `Timetable.flat`, the RSS growth
  of the build, and tracemalloc's peak and retained bytes of a second, traced build (which
  counts the Python objects too: one `TripInfo` per run, stop references);
- N random queries (seeded) between two stops served by at least one pattern, leaving at a
  uniform time in 06:00-20:00 of the service day (in the origin's feed time zone), are run
  straight on the algorithms: `raptor` (single departure) and `raptor_range` over 60 minutes,
  after a warm-up call (numba compiles or loads its cache). Targets on 2 cores: p95 <= 30 ms
  single, <= 150 ms range. Combined: the destination is drawn from the origin's feed (the
  feeds are different cities; a pair across feeds would only measure a search that finds
  nothing);
- on the single feed, `routing.planner.plan` end to end (a `TimetableCache` already holding
  the timetable; includes the conversion to legs, which reads names, routes and shapes from
  the database) on a smaller sample.

The peer, pyraptor 1.3.10 (PyPI), pins pandas < 2, so it cannot join our `bench` extra
(pandas >= 2 for gtfs-kit and partridge). The script makes it a venv of its own,
var/bench-venv-pyraptor (pyraptor==1.3.10; numpy < 2, which its pandas 1.5 needs; attrs, which
it imports without declaring), and runs itself there with a hidden --peer-child argument:
nothing of ours is imported in that process.

pyraptor's GTFS reader (`pyraptor.gtfs.timetable.read_gtfs_timetable`) is written for the Dutch
NS feed (agency names, calendar_dates.txt only, trip_short_name, stops with parent stations),
so the child builds the same `GtfsTimetable` frames itself (the day's trips from calendar.txt
and calendar_dates.txt) and hands them to pyraptor's own `gtfs_to_pyraptor_timetable`. That
conversion takes minutes on Vilnius, so, as pyraptor's own workflow does, its timetable is
pickled (`pyraptor.dao.write_timetable`, in var/bench-pyraptor-cache) and later runs load it;
the preprocessing time printed is that of the run that made it.

pyraptor plans between stations, identified by stop_name: our stop pair becomes the stations of
the two stops' names (in Vilnius both sides of a street share a name), and its only transfers
are between the platforms of a station (120 s), where ours also walks up to 400 m. A peer query
is what its `query_raptor.run_raptor` and `query_range_raptor.run_range_raptor` do, for the one
destination (they would build a journey to every station): `RaptorAlgorithm.run` with 6 rounds
(ours: up to 5 transfers, so 6 trips), the best stop of the destination station and its
journey; the range query does that for each departure from the origin in the window, latest
first. pyraptor deep-copies its labels every round and takes seconds per query on Vilnius, so
its queries run until --peer-budget seconds per kind have passed, in the same order as ours;
the output says how many ran, and the ratios compare percentiles of samples of unequal size.
Benchmarks print figures; they never assert.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

if "--peer-child" not in sys.argv:
    # The peer child runs this file under pyraptor's venv, which has none of our packages.
    import numpy as np
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from gtfs.importer import import_feed
    from gtfs.repository import GtfsRepository
    from gtfs.schedule.reader import FeedSource
    from gtfs.service_days import service_day_origin
    from mobility.db import make_engine
    from mobility.migrate import upgrade
    from routing.algorithms.raptor import RaptorParams, raptor, raptor_range
    from routing.algorithms.timetable import Timetable
    from routing.planner import PlanRequest, StopPlace, plan
    from routing.timetable_builder import AREA_TIMEZONE, build_timetable_and_inputs
    from routing.timetable_cache import NEXT_DAY_BEFORE_S, TimetableCache

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtfs"
DEFAULT_FEED = DATA / "lt_vilnius_2015-16.zip"
PEER_VENV = ROOT / "var" / "bench-venv-pyraptor"
# pandas 1.5 (pyraptor's pin) needs numpy 1; pyraptor imports attrs without declaring it.
PEER_REQUIREMENTS = ["pyraptor==1.3.10", "numpy<2", "attrs"]
HOUR = 3600
DAY_FROM, DAY_TO = 6 * HOUR, 20 * HOUR  # departures drawn in 06:00-20:00 of the service day
RANGE_S = 60 * 60
ROUNDS = 6  # pyraptor's rounds = trips: ours allows 5 transfers (RaptorParams default)
TARGET_SINGLE_P95_MS, TARGET_RANGE_P95_MS = 30.0, 150.0
MB = 1024 * 1024


# ---------------------------------------------------------------- figures and printing


def percentiles(samples: Sequence[float]) -> tuple[float, float, float]:
    """p50, p95, p99 (ms); with fewer than two samples, the one value three times."""
    if len(samples) < 2:
        v = samples[0] if samples else float("nan")
        return v, v, v
    q = statistics.quantiles(samples, n=100)
    return q[49], q[94], q[98]


HEADER = f"{'run':48} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}  answered"


def row(label: str, samples: Sequence[float], answered: int, extra: str = "") -> str:
    p50, p95, p99 = percentiles(samples)
    n = len(samples)
    share = f"{answered}/{n} ({100 * answered / n:.0f}%)" if n else "-"
    return f"{label:48} {n:5} {p50:9.2f} {p95:9.2f} {p99:9.2f}  {share}{extra}"


def verdict(samples: Sequence[float], target_ms: float) -> str:
    p95 = percentiles(samples)[1]
    return f"  [{'PASS' if p95 <= target_ms else 'ABOVE'} p95 <= {target_ms:g} ms]"


def ratio_line(label: str, ours: Sequence[float], peer: Sequence[float]) -> str:
    """ours / peer for each percentile (< 1: ours is faster), and how many times faster."""
    parts = []
    for name, o, p in zip(("p50", "p95", "p99"), percentiles(ours), percentiles(peer), strict=True):
        parts.append(f"{name} {o / p:.5f} (peer {p / o:,.0f}x ours)")
    return f"    {label:13}" + ", ".join(parts)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def rss_mb() -> float:
    """Resident set size of this process (Linux), MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so a peak is one step's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


# ---------------------------------------------------------------- service days from the zips


def feed_id_of(path: Path) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_")


def _ymd(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%Y%m%d").date()
    except ValueError:  # e.g. Udine's end_date 20160931
        return None


def weekday_trips(path: Path) -> Counter[date]:
    """Trips of trips.txt running on each weekday (Monday-Friday) of the feed's calendar."""
    per_service: Counter[str] = Counter()
    days: dict[str, set[date]] = {}
    with FeedSource(path) as src:
        with src.rows("trips.txt") as rows:
            i = rows.header.index("service_id")
            for r in rows.reader:
                per_service[r[i]] += 1
        if src.has("calendar.txt"):
            with src.rows("calendar.txt") as rows:
                h = {name: k for k, name in enumerate(rows.header)}
                names = ["monday", "tuesday", "wednesday", "thursday", "friday"]
                for r in rows.reader:
                    start, end = _ymd(r[h["start_date"]]), _ymd(r[h["end_date"]])
                    if start is None or end is None:
                        continue
                    on = {k for k, name in enumerate(names) if r[h[name]].strip() == "1"}
                    span = (start + timedelta(d) for d in range((end - start).days + 1))
                    days.setdefault(r[h["service_id"]], set()).update(
                        d for d in span if d.weekday() in on
                    )
        if src.has("calendar_dates.txt"):
            with src.rows("calendar_dates.txt") as rows:
                h = {name: k for k, name in enumerate(rows.header)}
                for r in rows.reader:
                    d = _ymd(r[h["date"]])
                    if d is None:
                        continue
                    service = days.setdefault(r[h["service_id"]], set())
                    if r[h["exception_type"]].strip() == "1":
                        service.add(d)
                    else:
                        service.discard(d)
    out: Counter[date] = Counter()
    for service_id, running in days.items():
        for day in running:
            if day.weekday() < 5:
                out[day] += per_service[service_id]
    return out


def busiest_weekday(counts: Counter[date]) -> date:
    """The weekday with the most trips (the earliest of equals)."""
    return min(counts, key=lambda d: (-counts[d], d))


# ---------------------------------------------------------------- our planner


@dataclass
class Built:
    """A built timetable and what its build cost."""

    tt: Timetable
    build_s: float
    flat_s: float
    array_bytes: int
    flat_bytes: int
    rss_growth_mb: float
    rss_peak_growth_mb: float | None
    traced_peak_mb: float
    traced_retained_mb: float


def array_bytes(obj: object) -> int:
    """Bytes of the numpy arrays held by a dataclass's fields (directly or in tuples)."""
    total = 0
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        items = value if isinstance(value, tuple) else (value,)
        total += sum(x.nbytes for x in items if isinstance(x, np.ndarray))
    return total


def build(engine: Engine, day: date, feeds: Sequence[str] | None) -> Built:
    """Build the timetable of `day` twice: once timed, once under tracemalloc."""

    def once() -> Timetable:
        with Session(engine) as session:
            tt, _ = build_timetable_and_inputs(
                session, day, feeds=feeds, next_day_before_s=NEXT_DAY_BEFORE_S
            )
        return tt

    rss0 = rss_mb()
    peak_ok = reset_peak_rss()
    t0 = time.perf_counter()
    tt = once()
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    flat = tt.flat
    flat_s = time.perf_counter() - t0
    rss_growth = rss_mb() - rss0
    peak_growth = peak_rss_mb() - rss0 if peak_ok else None

    # tracemalloc slows allocation down, so it watches a second build, not the timed one.
    tracemalloc.start()
    traced = once()
    _ = traced.flat
    retained, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del traced
    return Built(
        tt,
        build_s,
        flat_s,
        array_bytes(tt),
        array_bytes(flat),
        rss_growth,
        peak_growth,
        peak / MB,
        retained / MB,
    )


def print_built(b: Built) -> None:
    tt = b.tt
    rows = int(tt.flat.pat_trip_start[-1])
    print(
        f"  timetable: {tt.n_stops:,} stops, {tt.n_patterns:,} patterns, {len(tt.trips):,} runs "
        f"({rows:,} pattern rows), {len(tt.flat.dep):,} stop times, "
        f"{len(tt.flat.tr_to):,} transfer edges"
    )
    print(f"  build {b.build_s:.2f} s + flatten {b.flat_s:.2f} s (`Timetable.flat`)")
    peak = f", peak +{b.rss_peak_growth_mb:.0f} MB" if b.rss_peak_growth_mb is not None else ""
    print(
        f"  memory: numpy arrays {b.array_bytes / MB:.1f} MB in the Timetable + "
        f"{b.flat_bytes / MB:.1f} MB in .flat = {(b.array_bytes + b.flat_bytes) / MB:.1f} MB; "
        f"RSS {b.rss_growth_mb:+.0f} MB after the build{peak}; tracemalloc (second build, "
        f"Python objects included): {b.traced_retained_mb:.0f} MB retained, "
        f"{b.traced_peak_mb:.0f} MB peak"
    )


@dataclass(frozen=True)
class Query:
    """One random question: stop indices, GTFS seconds of the origin feed's day, axis time."""

    origin: int
    destination: int
    gtfs_s: int
    t: int


def day_offsets(engine: Engine, tt: Timetable, day: date) -> dict[str, int]:
    """Per feed, the axis time (seconds since tt.origin) of GTFS 00:00:00 on `day`."""
    origin_s = int(tt.origin.timestamp())
    with Session(engine) as session:
        versions = GtfsRepository(session).current_versions()
    return {
        f: service_day_origin(day, v.timezone or AREA_TIMEZONE) - origin_s
        for f, v in versions.items()
    }


def make_queries(tt: Timetable, offsets: dict[str, int], n: int, rng: random.Random) -> list[Query]:
    """n (origin, destination) pairs of distinct served stops of one feed, random times."""
    served = np.flatnonzero(np.diff(tt.flat.sp_start) > 0).tolist()
    by_feed: dict[str, list[int]] = {}
    for s in served:
        by_feed.setdefault(tt.stop_refs[s].partition(":")[0], []).append(s)
    out: list[Query] = []
    while len(out) < n:
        a = rng.choice(served)
        feed = tt.stop_refs[a].partition(":")[0]
        b = rng.choice(by_feed[feed])
        if a == b:
            continue
        gtfs_s = rng.randrange(DAY_FROM, DAY_TO + 1)
        out.append(Query(a, b, gtfs_s, offsets[feed] + gtfs_s))
    return out


def time_calls(
    queries: Sequence[Query], call: Callable[[Query], int]
) -> tuple[list[float], list[int]]:
    """Milliseconds per call, and per call 1 if it found a journey, else 0."""
    samples, found = [], []
    for q in queries:
        t0 = time.perf_counter()
        journeys = call(q)
        samples.append((time.perf_counter() - t0) * 1000)
        found.append(int(journeys > 0))
    return samples, found


def single(tt: Timetable) -> Callable[[Query], int]:
    params = RaptorParams()
    return lambda q: len(raptor(tt, [(q.origin, 0)], [(q.destination, 0)], q.t, params).journeys)


def ranged(tt: Timetable) -> Callable[[Query], int]:
    params = RaptorParams()
    return lambda q: len(
        raptor_range(tt, [(q.origin, 0)], [(q.destination, 0)], q.t, q.t + RANGE_S, params)
    )


def run_ours(
    label: str, tt: Timetable, queries: Sequence[Query]
) -> dict[str, tuple[list[float], list[int]]]:
    """Warm up, then time both kinds of query; prints the rows, returns what `time_calls` did."""
    t0 = time.perf_counter()
    single(tt)(queries[0])
    ranged(tt)(queries[0])
    warm = time.perf_counter() - t0
    print(f"  warm-up (numba compile or cache load, both kernels): {warm:.2f} s")
    print(HEADER)
    out = {}
    for kind, call, target in (
        ("single", single(tt), TARGET_SINGLE_P95_MS),
        ("range 60 min", ranged(tt), TARGET_RANGE_P95_MS),
    ):
        samples, found = time_calls(queries, call)
        out[kind] = samples, found
        print(row(f"ours raptor, {kind} ({label})", samples, sum(found), verdict(samples, target)))
    return out


def run_plan(engine: Engine, tt: Timetable, queries: Sequence[Query]) -> None:
    """`routing.planner.plan` end to end, single and 60-minute range, cache already warm."""
    cache = TimetableCache(max_entries=2)

    def request(q: Query, window_min: int) -> PlanRequest:
        return PlanRequest(
            StopPlace(tt.stop_refs[q.origin]),
            StopPlace(tt.stop_refs[q.destination]),
            tt.origin + timedelta(seconds=q.t),
            window_min=window_min,
        )

    with Session(engine) as session:
        t0 = time.perf_counter()
        plan(session, request(queries[0], 0), cache=cache, timezone=AREA_TIMEZONE)
        first = time.perf_counter() - t0
        print(f"  plan: first call {first:.2f} s (builds the timetable of every imported feed)")
        for kind, window in (("single", 0), ("range 60 min", 60)):

            def call(q: Query, w: int = window) -> int:
                return len(plan(session, request(q, w), cache=cache, timezone=AREA_TIMEZONE))

            samples, found = time_calls(queries, call)
            print(row(f"ours plan() end to end, {kind}", samples, sum(found)))


# ---------------------------------------------------------------- the peer, in its own venv


def peer_python() -> Path | None:
    """The peer venv's interpreter, made and installed on first use (None if that fails)."""
    python = PEER_VENV / "bin" / "python"
    check = [str(python), "-c", "import pyraptor.model.raptor"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    print(f"  making {PEER_VENV.relative_to(ROOT)} with {' '.join(PEER_REQUIREMENTS)} ...")
    steps = [
        [sys.executable, "-m", "venv", str(PEER_VENV)],
        [str(python), "-m", "pip", "install", "--quiet", *PEER_REQUIREMENTS],
        check,
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"  pyraptor could not be installed ({' '.join(step[:4])}...):")
            print("  " + (done.stderr.strip().splitlines() or ["?"])[-1])
            return None
    return python


def peer_cache(feed: Path, day: date) -> Path:
    """Where pyraptor's pickled timetable of `feed` on `day` is kept between runs."""
    stat = feed.stat()
    key = f"{feed.stem}-{day}-{stat.st_size}-{int(stat.st_mtime)}"
    return ROOT / "var" / "bench-pyraptor-cache" / key


def run_peer(
    feed: Path, day: date, stop_ids: dict[int, str], queries: Sequence[Query], budget_s: float
) -> dict[str, Any] | None:
    """The queries through pyraptor in a child process; its figures, or None."""
    python = peer_python()
    if python is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "spec.json"
        out = Path(tmp) / "out.json"
        spec.write_text(
            json.dumps(
                {
                    "feed": str(feed),
                    "date": day.isoformat(),
                    "queries": [
                        [stop_ids[q.origin], stop_ids[q.destination], q.gtfs_s] for q in queries
                    ],
                    "budget_s": budget_s,
                    "rounds": ROUNDS,
                    "range_s": RANGE_S,
                    "out": str(out),
                    "cache": str(peer_cache(feed, day)),
                }
            )
        )
        done = subprocess.run(
            [str(python), __file__, "--peer-child", str(spec)], capture_output=True, text=True
        )
        if done.returncode != 0 or not out.exists():
            tail = done.stderr.strip().splitlines()[-3:]
            print("  pyraptor failed on this feed:\n    " + "\n    ".join(tail))
            return None
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def print_peer(
    result: dict[str, Any], ours: dict[str, tuple[list[float], list[int]]], asked: int
) -> None:
    c = result["counts"]
    print(
        f"  pyraptor timetable: {c['stations']:,} stations, {c['stops']:,} stops, "
        f"{c['trips']:,} trips, {c['routes']:,} routes, {c['stop_times']:,} stop times, "
        f"{c['transfers']:,} transfers"
    )
    print(
        f"  pyraptor preprocessing {result['prep_s']:.1f} s (our frames {result['frames_s']:.1f} s "
        f"+ its gtfs_to_pyraptor_timetable {result['convert_s']:.1f} s), RSS "
        f"+{result['rss_growth_mb']:.0f} MB"
    )
    if "load_s" in result:
        print(
            "  (preprocessed by an earlier run: its pickle in var/bench-pyraptor-cache loaded in "
            f"{result['load_s']:.1f} s, RSS +{result['rss_load_mb']:.0f} MB)"
        )
    print(
        f"  {result['skipped']} of the {asked} pairs not plannable in pyraptor (a stop without "
        "service that day, or both stops of one name: one station)"
    )
    print(HEADER)
    for kind in ("single", "range 60 min"):
        peer, index = result[kind]["samples"], result[kind]["index"]
        stopped = " (budget reached)" if result[kind]["stopped"] else ""
        print(row(f"pyraptor, {kind}", peer, result[kind]["answered"], stopped))
        samples, found = ours[kind]
        same = [samples[i] for i in index]
        print(row(f"ours raptor, {kind}, the same queries", same, sum(found[i] for i in index)))
    print("  ratio ours/pyraptor on the same queries (< 1: ours is faster):")
    for kind in ("single", "range 60 min"):
        samples, _ = ours[kind]
        peer, index = result[kind]["samples"], result[kind]["index"]
        if peer:
            print(ratio_line(kind, [samples[i] for i in index], peer))


def peer_child(spec_file: str) -> None:
    """Run inside pyraptor's venv: build its timetable, time the queries, write the figures."""
    import pandas as pd
    from loguru import logger

    # pyraptor logs every round at INFO; a server would run it without a log sink.
    logger.remove()
    from pyraptor.gtfs.timetable import gtfs_to_pyraptor_timetable
    from pyraptor.model.raptor import (
        RaptorAlgorithm,
        best_stop_at_target_station,
        is_dominated,
        reconstruct_journey,
    )

    spec = json.loads(Path(spec_file).read_text())
    rounds, range_s, budget = spec["rounds"], spec["range_s"], spec["budget_s"]
    tt, prep = _pyraptor_timetable(pd, spec, gtfs_to_pyraptor_timetable)
    stop_names: dict[str, str] = prep.pop("stop_names")

    pairs, skipped = [], 0
    for i, (a, b, secs) in enumerate(spec["queries"]):
        o, d = stop_names.get(a), stop_names.get(b)
        if o is None or d is None or o == d or not tt.stations.get(o) or not tt.stations.get(d):
            skipped += 1
        else:
            pairs.append((i, o, d, secs))

    def one(o: str, d: str, secs: int) -> int:
        best = RaptorAlgorithm(tt).run(tt.stations.get_stops(o), secs, rounds)[rounds]
        stop = best_stop_at_target_station(tt.stations.get_stops(d), best)
        return 0 if stop == 0 else len(reconstruct_journey(stop, best))

    def window(o: str, d: str, secs: int) -> int:
        # query_range_raptor.run_range_raptor, for one destination.
        from_stops, to_stops = tt.stations.get_stops(o), tt.stations.get_stops(d)
        in_range = tt.trip_stop_times.get_trip_stop_times_in_range(from_stops, secs, secs + range_s)
        found, last = 0, None
        for dep in sorted({x.dts_dep for x in in_range}, reverse=True):
            best = RaptorAlgorithm(tt).run(from_stops, dep, rounds)[rounds]
            stop = best_stop_at_target_station(to_stops, best)
            if stop != 0:
                journey = reconstruct_journey(stop, best)
                found += not is_dominated(last, journey)
                last = journey
        return found

    result: dict[str, Any] = {
        **prep,
        "skipped": skipped,
        "counts": {
            "stations": len(tt.stations),
            "stops": len(tt.stops),
            "trips": len(tt.trips),
            "routes": len(tt.routes),
            "stop_times": len(tt.trip_stop_times),
            "transfers": len(tt.transfers),
        },
    }
    for kind, call in (("single", one), ("range 60 min", window)):
        samples: list[float] = []
        index: list[int] = []  # which of our queries these are, to compare like with like
        answered, started, stopped = 0, time.perf_counter(), False
        for i, o, d, secs in pairs:
            if samples and time.perf_counter() - started > budget:
                stopped = True
                break
            t1 = time.perf_counter()
            answered += call(o, d, secs) > 0
            samples.append((time.perf_counter() - t1) * 1000)
            index.append(i)
        result[kind] = {
            "samples": samples,
            "index": index,
            "answered": answered,
            "stopped": stopped,
        }
    Path(spec["out"]).write_text(json.dumps(result))


def _pyraptor_timetable(
    pd: Any, spec: dict[str, Any], convert: Callable[[Any], Any]
) -> tuple[Any, dict[str, Any]]:
    """pyraptor's timetable of the day, and what making it cost. Its workflow is to preprocess
    once and pickle (`pyraptor.dao.write_timetable`), as its conversion takes minutes on
    Vilnius; so it is pickled in the cache folder of the spec, and later runs load it, with
    the preprocessing figures of the run that made it."""
    from pyraptor.dao.timetable import read_timetable, write_timetable

    cache = Path(spec["cache"])
    figures = cache / "preprocessing.json"
    rss0 = rss_mb()
    t0 = time.perf_counter()
    if figures.exists() and (cache / "timetable.pcl").exists():
        tt = read_timetable(str(cache))
        prep: dict[str, Any] = json.loads(figures.read_text())
        prep["load_s"] = time.perf_counter() - t0
        prep["rss_load_mb"] = rss_mb() - rss0
        return tt, prep
    day = date.fromisoformat(spec["date"])
    frames, stop_names = _pyraptor_frames(pd, Path(spec["feed"]), day)
    frames_s = time.perf_counter() - t0
    tt = convert(frames)
    prep_s = time.perf_counter() - t0
    prep = {
        "prep_s": prep_s,
        "frames_s": frames_s,
        "convert_s": prep_s - frames_s,
        "rss_growth_mb": rss_mb() - rss0,
        "stop_names": stop_names,
    }
    try:
        write_timetable(str(cache), tt)
        figures.write_text(json.dumps(prep))
    except (OSError, RecursionError) as exc:  # no cache then; the next run converts again
        print(f"pyraptor timetable not cached: {exc}", file=sys.stderr)
    return tt, prep


def _pyraptor_frames(pd: Any, feed: Path, day: date) -> tuple[Any, dict[str, str]]:
    """pyraptor's `GtfsTimetable` of `day` (what its NS-specific reader would give for a feed
    like ours), and stop_id -> stop_name (pyraptor's station id)."""
    from pyraptor.gtfs.timetable import GtfsTimetable

    with zipfile.ZipFile(feed) as zf:
        names = set(zf.namelist())

        def read(name: str) -> Any:
            if name not in names:
                return None
            with zf.open(name) as f:
                frame = pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            frame.columns = [c.strip() for c in frame.columns]
            return frame

        calendar, dates = read("calendar.txt"), read("calendar_dates.txt")
        trips, stop_times, stops = read("trips.txt"), read("stop_times.txt"), read("stops.txt")

    ymd = day.strftime("%Y%m%d")
    services: set[str] = set()
    if calendar is not None:
        weekday = calendar.columns.get_loc(day.strftime("%A").lower())
        on = calendar[
            (calendar.start_date <= ymd)
            & (calendar.end_date >= ymd)
            & (calendar.iloc[:, weekday] == "1")
        ]
        services.update(on.service_id)
    if dates is not None:
        today = dates[dates.date == ymd]
        services.update(today[today.exception_type == "1"].service_id)
        services.difference_update(today[today.exception_type == "2"].service_id)

    trips = trips[trips.service_id.isin(services)][["trip_id"]].copy()
    trips["trip_short_name"] = None
    trips["trip_long_name"] = None
    stop_times = stop_times[stop_times.trip_id.isin(trips.trip_id)][
        ["trip_id", "stop_sequence", "stop_id", "arrival_time", "departure_time"]
    ].copy()
    stop_times["stop_sequence"] = stop_times.stop_sequence.astype(int)
    stop_times = stop_times.sort_values(["trip_id", "stop_sequence"])
    for col in ("arrival_time", "departure_time"):
        text = stop_times[col].where(stop_times[col] != "")  # blank -> NaN
        hms = text.str.split(":", expand=True).astype(float)
        secs = hms[0] * 3600 + hms[1] * 60 + hms[2]
        # pyraptor does not interpolate: a blank (non-timepoint) time takes the previous one.
        stop_times[col] = secs.groupby(stop_times.trip_id).ffill().astype(int)
    served = stops[stops.stop_id.isin(stop_times.stop_id)].copy()
    served["parent_station"] = "-"  # its reader drops stops without one
    served["platform_code"] = None
    frames = GtfsTimetable()
    frames.trips = trips
    frames.stop_times = stop_times
    frames.stops = served[["stop_id", "stop_name", "parent_station", "platform_code"]]
    return frames, dict(zip(stops.stop_id, stops.stop_name, strict=True))


# ---------------------------------------------------------------- the run


def make_database(kind: str) -> tuple[str, Callable[[], None]]:
    """A URL of a fresh database, and how to drop it."""
    if kind == "sqlite":
        tmp = tempfile.TemporaryDirectory()
        return f"sqlite:///{tmp.name}/bench.sqlite3", tmp.cleanup
    import psycopg

    admin = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"bench_journeys_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", drop


def import_all(engine: Engine, paths: Sequence[Path]) -> list[str]:
    """Import each feed; the ids of those that loaded (a feed with errors is reported)."""
    loaded = []
    for path in paths:
        feed_id = feed_id_of(path)
        t0 = time.perf_counter()
        try:
            result = import_feed(engine, path, feed_id)
        except Exception as exc:  # a benchmark reports and goes on
            print(f"  {path.name}: not imported ({type(exc).__name__}: {exc})"[:160])
            continue
        loaded.append(feed_id)
        print(
            f"  {path.name}: imported as '{feed_id}' in {time.perf_counter() - t0:.1f} s "
            f"({result.row_counts.get('stop_times.txt', 0):,} stop_times)"
        )
    return loaded


def stop_ids_of(tt: Timetable, queries: Sequence[Query]) -> dict[int, str]:
    return {
        s: tt.stop_refs[s].partition(":")[2] for q in queries for s in (q.origin, q.destination)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--feed", type=Path, default=DEFAULT_FEED)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--skip-combined", action="store_true")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--peer-budget", type=float, default=150, help="seconds per query kind")
    parser.add_argument("--plan-queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()
    if not args.feed.exists():
        print(f"{args.feed} is absent (../shared/data beside the repository): nothing to measure")
        return
    others = [] if args.skip_combined else sorted(p for p in DATA.glob("*.zip") if p != args.feed)
    print(f"machine: {os.cpu_count()} cores, load {load()}; Python {sys.version.split()[0]}")
    rng = random.Random(args.seed)

    url, drop = make_database(args.database)
    engine = make_engine(url)
    try:
        upgrade(engine)
        print(f"\nimporting into a fresh {args.database} database")
        loaded = import_all(engine, [args.feed, *others])
        feed_id = feed_id_of(args.feed)
        if feed_id not in loaded:
            return

        day = busiest_weekday(weekday_trips(args.feed))
        print(f"\n== {args.feed.name} alone, {day} ({day:%A}, its busiest weekday) ==")
        built = build(engine, day, [feed_id])
        print_built(built)
        tt = built.tt
        queries = make_queries(tt, day_offsets(engine, tt, day), args.queries, rng)
        print(
            f"  {len(queries)} random stop-to-stop queries (seed {args.seed}), departures "
            f"06:00-20:00, up to 5 transfers, load {load()}"
        )
        ours = run_ours(feed_id, tt, queries)
        run_plan(engine, tt, queries[: args.plan_queries])
        if not args.skip_peer:
            print(f"\n  pyraptor on {args.feed.name}, {day}, {args.peer_budget:g} s per kind:")
            result = run_peer(args.feed, day, stop_ids_of(tt, queries), queries, args.peer_budget)
            if result is not None:
                print_peer(result, ours, len(queries))
        del built, tt

        if len(loaded) > 1:
            paths = [p for p in [args.feed, *others] if feed_id_of(p) in loaded]
            run_combined(engine, paths, args, rng)
    finally:
        engine.dispose()
        drop()
    print(f"\nload at the end: {load()}")


def run_combined(
    engine: Engine, paths: Sequence[Path], args: argparse.Namespace, rng: random.Random
) -> None:
    per_feed = {feed_id_of(p): weekday_trips(p) for p in paths}
    total: Counter[date] = Counter()
    for counts in per_feed.values():
        total.update(counts)
    day = busiest_weekday(total)
    running = {f: c[day] for f, c in per_feed.items() if c[day]}
    print(f"\n== all {len(paths)} shared feeds combined, {day} ({day:%A}) ==")
    print(
        "  the feeds cover different years, so no day has them all; this is the weekday with "
        f"the most trips over all feeds, when {len(running)} of them run: "
        + ", ".join(f"{f} ({n:,} trips)" for f, n in sorted(running.items(), key=lambda x: -x[1]))
    )
    print("  (every feed's stops are in the timetable; the others have no trips that day)")
    built = build(engine, day, None)
    print_built(built)
    tt = built.tt
    queries = make_queries(tt, day_offsets(engine, tt, day), args.queries, rng)
    print(
        f"  {len(queries)} random queries, both stops of one feed (origin drawn over all "
        f"served stops), load {load()}"
    )
    run_ours("combined", tt, queries)
    print("  (pyraptor and plan() end to end: single feed only)")


if __name__ == "__main__":
    if "--peer-child" in sys.argv:
        peer_child(sys.argv[sys.argv.index("--peer-child") + 1])
    else:
        main()

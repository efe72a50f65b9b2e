"""Departures board latency: our query (server time, no HTTP) against gtfs-kit on the same feed.

Usage: .venv/bin/python benchmarks/departures.py [--database sqlite|postgresql|both] [--queries N]

Feeds (read from ../shared/data/gtfs; the script says so and exits when it is absent):
- lt_vilnius_2015-16.zip, the largest shared feed (445k stop_times), at its busiest stops;
- sample_gtfskit_nyc_subway_2024-12.zip, which has parent stations, at its busiest stations
  (a station's board merges its platforms).
Each query asks for every departure in a window of a weekday (the API's default hour, and two),
with real-time applied against the Redis at REDIS_URL (default 127.0.0.1:6379; the feed has no
live update, so this is the one-ZCOUNT check every board pays). Server time is what the
endpoint does without HTTP: the current version's lookup, the board, and its JSON body.
The peer, gtfs-kit's `build_stop_timetable` on the feed loaded in memory, answers the same
stop, date and window.
Target: p99 <= 10 ms server time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

import psycopg

from gtfs.importer import import_feed
from gtfs.realtime.departures import RealtimeDepartures
from gtfs.refs import Ref
from gtfs.schedule.reader import FeedSource
from gtfs.service import departures
from mobility.db import make_engine
from mobility.migrate import upgrade
from mobility.redis_client import make_redis

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtfs"
HOUR = 3600
CASES = [
    # feed file, feed id, service date, window (s): the API's default hour, then two hours
    ("lt_vilnius_2015-16.zip", "vilnius", date(2015, 9, 16), (7 * HOUR, 8 * HOUR), "stops"),
    ("lt_vilnius_2015-16.zip", "vilnius", date(2015, 9, 16), (7 * HOUR, 9 * HOUR), "stops"),
    (
        "sample_gtfskit_nyc_subway_2024-12.zip",
        "nyc",
        date(2024, 12, 18),
        (7 * HOUR, 8 * HOUR),
        "stations",
    ),
]


def busiest(path: Path, kind: str, n: int) -> list[str]:
    """The n stops (or parent stations) with the most stop_times."""
    with FeedSource(path) as src, src.rows("stops.txt") as rows:
        h = {name: i for i, name in enumerate(rows.header)}
        parent = {
            r[h["stop_id"]]: r[h["parent_station"]] if "parent_station" in h else ""
            for r in rows.reader
        }
    counts: Counter[str] = Counter()
    with FeedSource(path) as src, src.rows("stop_times.txt") as rows:
        i = rows.header.index("stop_id")
        for r in rows.reader:
            stop = r[i]
            counts[(parent.get(stop) or stop) if kind == "stations" else stop] += 1
    return [s for s, _ in counts.most_common(n)]


def percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {q[49]:7.2f} ms  p95 {q[94]:7.2f} ms  p99 {q[98]:7.2f} ms"


def ours(
    url: str,
    path: Path,
    feed_id: str,
    day: date,
    window: tuple[int, int],
    stops: list[str],
    queries: int,
) -> tuple[list[float], list[float], int]:
    """(first board of each stop, the steady-state samples, departures per query)."""
    engine = make_engine(url)
    upgrade(engine)
    import_feed(engine, path, feed_id)
    from sqlalchemy.orm import Session

    redis = make_redis(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))

    def board(session: Session, stop: str) -> tuple[float, int]:
        t = time.perf_counter()
        out = departures(
            session, Ref(feed_id, stop), day, *window, RealtimeDepartures(session, redis)
        )
        out.model_dump_json()  # the body the endpoint sends (mobility.problems)
        return (time.perf_counter() - t) * 1000, len(out.departures)

    samples, found = [], 0
    with Session(engine) as session:
        # A process's first board of a stop fills the version's caches (trips, services,
        # routes) and, for the very first, the connection's: timed apart from steady state.
        first = [board(session, stop)[0] for stop in stops]
        for k in range(queries):
            ms, n = board(session, stops[k % len(stops)])
            samples.append(ms)
            found += n
    engine.dispose()
    return first, samples, found // queries


def peer(
    path: Path, day: date, window: tuple[int, int], stops: list[str], kind: str, queries: int
) -> tuple[list[float], int] | None:
    try:
        import gtfs_kit
    except ImportError:
        print("  gtfs-kit not installed (pip install -e '.[bench]'): peer skipped")
        return None
    feed = gtfs_kit.read_feed(path, dist_units="km")
    children: dict[str, list[str]] = {}
    if kind == "stations" and "parent_station" in feed.stops:
        for stop_id, parent in zip(feed.stops.stop_id, feed.stops.parent_station, strict=True):
            if isinstance(parent, str) and parent:
                children.setdefault(parent, []).append(stop_id)
    ymd = day.strftime("%Y%m%d")
    lo, hi = (f"{s // 3600:02d}:{s % 3600 // 60:02d}:00" for s in window)
    samples, found = [], 0
    for k in range(queries):
        stop = stops[k % len(stops)]
        t = time.perf_counter()
        rows = 0
        for stop_id in children.get(stop, [stop]):
            table = gtfs_kit.build_stop_timetable(feed, stop_id, [ymd])
            rows += int(((table.departure_time >= lo) & (table.departure_time <= hi)).sum())
        samples.append((time.perf_counter() - t) * 1000)
        found += rows
    return samples, found // queries


def postgres_url() -> tuple[str, str]:
    admin = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"bench_departures_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin, name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    if not DATA.exists():
        print(f"{DATA} is absent (../shared/data beside the repository): nothing to measure")
        return
    print(f"machine: {os.cpu_count()} cores, load {open('/proc/loadavg').read().split()[:3]}")
    for file, feed_id, day, window, kind in CASES:
        path = DATA / file
        stops = busiest(path, kind, 10)
        print(
            f"\n{file}: {args.queries} queries over its 10 busiest {kind}, {day}, "
            f"window {window[0] // 3600:02d}:00-{window[1] // 3600:02d}:00"
        )
        results: dict[str, float] = {}
        for db in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
            if db == "sqlite":
                tmp = tempfile.mkdtemp()
                url, cleanup = f"sqlite:///{tmp}/bench.sqlite3", None
            else:
                admin, name = postgres_url()
                url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
                cleanup = (admin, name)
            try:
                first, samples, per_query = ours(
                    url, path, feed_id, day, window, stops, args.queries
                )
            finally:
                if cleanup:
                    with psycopg.connect(cleanup[0], autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE IF EXISTS "{cleanup[1]}" WITH (FORCE)')
            results[db] = statistics.median(samples)
            verdict = "PASS" if statistics.quantiles(samples, n=100)[98] <= 10 else "ABOVE"
            print(
                f"  ours ({db:10}): {percentiles(samples)}  "
                f"{per_query} departures/query  [{verdict} p99 <= 10 ms]"
            )
            print(
                f"    first board of each stop (cold caches): the process's first "
                f"{first[0]:.1f} ms, the others' median {statistics.median(first[1:]):.1f} ms, "
                f"max {max(first[1:]):.1f} ms"
            )
        got = peer(path, day, window, stops, kind, max(20, args.queries // 10))
        if got is not None:
            samples, per_query = got
            print(f"  gtfs-kit (pandas): {percentiles(samples)}  {per_query} departures/query")
            for db, median in results.items():
                ratio = statistics.median(samples) / median
                print(f"  ratio median gtfs-kit / ours ({db}): {ratio:.1f}x")


if __name__ == "__main__":
    main()

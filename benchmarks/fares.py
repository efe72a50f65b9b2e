"""Fare engine and tariff throughput: quotes/s on real feeds, and the cost of capping per tap.

    .venv/bin/python benchmarks/fares.py [--quotes N] [--repeat R] [--taps-per-day K]

1. `ticketing.fares.quote` on the shared Fares v2/v1 feeds: each feed is imported by the real
   importer into a fresh, migrated temp-file SQLite database and read back with
   `load_feed_fares` (as tests/ticketing/fares/test_real_feeds.py does); itineraries are real
   trips (first to last stop, and pairs of trips of different routes one after the other).
   Itineraries no rule prices are counted and left out. Prints quotes per second per feed.
2. Fare capping at the gate: `charge_tap` for the last tap of a month of taps (K a day across
   three operators, day/week/month caps), given the window history, against the baseline of
   recomputing `apply_caps` over the whole history plus the tap; and `charge_tap` given a
   whole year of history, to show that the backward scan stops at the window. Prints
   microseconds per tap and the ratio.
3. For scale: `best_fare` on the month's trips with six products (period-end refund), and
   `adjust` with off-peak and congestion rules (per call).

No peer library prices GTFS Fares v2 or caps taps in Python (OpenTripPlanner's fare module is
Java), so the baselines are ours. It prints, never asserts; with ../shared/data absent it says
so, skips part 1 and exits 0.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtfs"
ROME = ZoneInfo("Europe/Rome")
# feed file, feed id, the service date its tests use (timeframes need an active date)
FEEDS = [
    ("us_oh_svrta_faresv2_2024-10.zip", "svrta", date(2024, 10, 14)),
    ("pl_zakroczym_faresv2_2025-11.zip", "zakroczym", date(2025, 11, 17)),
    ("ca_transcollines_fares_2026-04.zip", "transcollines", date(2026, 4, 20)),
    ("sample_google_sample-feed-1.zip", "google", date(2007, 6, 4)),
]


def per_second(call: Callable[[], object], iterations: int, repeat: int) -> tuple[float, float]:
    """Best and median calls per second over `repeat` runs of `iterations` calls."""
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(iterations):
            call()
        rates.append(iterations / (time.perf_counter() - start))
    return max(rates), statistics.median(rates)


def quote_feeds(count: int, repeat: int) -> None:
    """Part 1: quotes per second of the fare engine on each shared feed with fares."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from gtfs.importer import import_feed
    from gtfs.models import table_for
    from gtfs.repository import GtfsRepository
    from mobility.db import make_engine
    from mobility.migrate import upgrade
    from ticketing.fares import FareError, FeedFares, Leg, quote
    from ticketing.fares.load import load_feed_fares

    print("\n1. ticketing.fares.quote on shared feeds (SQLite import, FeedFares in memory)")
    for file, feed_id, day in FEEDS:
        path = DATA / file
        if not path.exists():
            print(f"  {file}: absent, skipped")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/fares.sqlite3")
            try:
                upgrade(engine)
                version_id = import_feed(engine, path, feed_id).version_id
                with Session(engine) as session:
                    fares = load_feed_fares(session, version_id)
                    trips = table_for("trips.txt")
                    rows = session.execute(
                        select(trips.c.trip_id, trips.c.route_id)
                        .where(trips.c.feed_version_id == version_id)
                        .order_by(trips.c.trip_id)
                        .limit(60)
                    ).all()
                    repo = GtfsRepository(session)
                    tz = ZoneInfo(fares.timezone)
                    origin = datetime.combine(day, clock(12), tz) - timedelta(hours=12)
                    legs = []
                    for trip_id, route_id in rows:
                        times = repo.trip_stop_times(version_id, trip_id)
                        if len(times) < 2:
                            continue
                        first, last = times[0], times[-1]
                        legs.append(
                            Leg(
                                fares.feed,
                                route_id,
                                first.stop_id,
                                last.stop_id,
                                origin + timedelta(seconds=first.departure_time),
                                origin + timedelta(seconds=last.arrival_time),
                                day,
                            )
                        )
            except Exception as exc:  # a broken migration of another package must not hide part 2
                print(f"  {file}: could not import ({type(exc).__name__}: {exc}), skipped")
                continue
            finally:
                engine.dispose()
        itineraries = [[leg] for leg in legs]
        for a in legs:  # two-leg journeys: a second route boarding after the first arrives
            b = next(
                (b for b in legs if b.route_id != a.route_id and b.departure >= a.arrival), None
            )
            if b is not None:
                itineraries.append([a, b])
        priced = []
        for itinerary in itineraries:
            try:
                quote(itinerary, fares, None)
                priced.append(itinerary)
            except FareError:
                pass
        if not priced:
            print(f"  {file}: none of {len(itineraries)} itineraries is priced by the feed")
            continue
        cycle = itertools.cycle(priced)

        def one(c: Iterator[list[Leg]] = cycle, f: FeedFares = fares) -> None:
            quote(next(c), f, None)

        best, median = per_second(one, count, repeat)
        version = "v2" if fares.leg_rules else "v1"
        print(
            f"  {file} (fares {version}): {len(priced)}/{len(itineraries)} itineraries priced, "
            f"{median:,.0f} quotes/s median, {best:,.0f} best"
        )


def capping(taps_per_day: int, repeat: int) -> None:
    """Part 2 and 3: charge_tap per tap against recomputing the month, and the other tariffs."""
    from ticketing.tariffs import (
        AdjustmentRules,
        CapPolicy,
        Caps,
        Carnet,
        CongestionAdjustment,
        DayPass,
        OffPeakDiscount,
        Product,
        Tap,
        TimeBand,
        TimeTicket,
        Trip,
        adjust,
        apply_caps,
        best_fare,
        charge_tap,
    )

    policy = CapPolicy({"adult": Caps(daily=700, weekly=2500, monthly=6000)})
    operators = ("ATL", "CTT", "FS")

    def month_of_taps(first: date, days: int) -> list[Tap]:
        taps = []
        for d in range(days):
            for k in range(taps_per_day):
                when = datetime.combine(first + timedelta(days=d), clock(7 + 3 * k), ROME)
                taps.append(Tap(f"{d}-{k}", when, 150 + 50 * (k % 3), operators[k % 3]))
        return taps

    month = month_of_taps(date(2026, 3, 1), 31)
    last, before = month[-1], month[:-1]
    history = apply_caps(policy, "adult", before)
    since = policy.window_start("adult", last.when)
    window = [c for c in history if c.when >= since]
    year_taps = month_of_taps(date(2025, 4, 1), 365)
    year_history = apply_caps(policy, "adult", year_taps[:-1])
    assert charge_tap(policy, "adult", window, last) == apply_caps(policy, "adult", month)[-1]

    n = 2000
    print(f"\n2. capping: the last tap of March 2026, {taps_per_day} taps/day, 3 operators")
    _, inc = per_second(lambda: charge_tap(policy, "adult", window, last), n, repeat)
    _, year = per_second(
        lambda: charge_tap(policy, "adult", year_history, year_taps[-1]), n, repeat
    )
    _, batch = per_second(lambda: apply_caps(policy, "adult", month), n // 20, repeat)
    print(f"  charge_tap, window history ({len(window)} charges): {1e6 / inc:8.1f} us/tap")
    print(
        f"  charge_tap, a year of history ({len(year_history)} charges, scan stops at the "
        f"window): {1e6 / year:8.1f} us/tap"
    )
    print(
        f"  baseline apply_caps over the month ({len(month)} taps): {1e6 / batch:8.1f} us/tap"
        f"  -> charge_tap is {inc / batch:,.0f}x faster"
    )

    print("\n3. other tariffs, per call")
    trips = [Trip(t.tap_id, t.when, t.base_fare) for t in month]
    products: list[Product] = [
        TimeTicket("BIT", 150, timedelta(minutes=90)),
        TimeTicket("24H", 700, timedelta(hours=24)),
        DayPass("DAY", 600, 1),
        DayPass("WEEK", 2400, 7),
        DayPass("MONTH", 5500, 30),
        Carnet("CARNET10", 1300, 10, timedelta(minutes=90)),
    ]
    result = best_fare(trips, products, already_paid=sum(c.charged for c in history))
    _, bf = per_second(lambda: best_fare(trips, products), 3, repeat)
    print(
        f"  best_fare over the month ({len(trips)} trips, 6 products incl. a 10-ride carnet): "
        f"{1000 / bf:,.1f} ms (optimum {result.optimum}, refund {result.refund})"
    )
    rules = AdjustmentRules(
        off_peak=(OffPeakDiscount("midday", TimeBand(clock(9, 30), clock(16)), 2000),),
        congestion=tuple(
            CongestionAdjustment(f"z{z}", f"Z{z}", TimeBand(clock(7), clock(9, 30)), 500 * z)
            for z in range(1, 4)
        ),
        max_surcharge_bp=2000,
    )
    when = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)
    _, adj = per_second(lambda: adjust(250, when, ("Z1", "Z2", "Z3"), rules), n, repeat)
    print(f"  adjust (1 off-peak, 3 congestion rules, 3 zones): {1e6 / adj:,.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=2000, help="quotes per timed run")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--taps-per-day", type=int, default=4)
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores, load {open('/proc/loadavg').read().split()[:3]}, "
        f"Python {platform.python_version()}"
    )
    if DATA.exists():
        quote_feeds(args.quotes, args.repeat)
    else:
        print(f"\n1. {DATA} is absent (../shared/data beside the repository): quotes skipped")
    capping(args.taps_per_day, args.repeat)
    print(f"\nload after: {open('/proc/loadavg').read().split()[:3]}")


if __name__ == "__main__":
    main()

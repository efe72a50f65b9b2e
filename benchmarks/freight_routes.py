"""Freight route search: per-request time on the shipped network, with a networkx peer.

    .venv/bin/python benchmarks/freight_routes.py [--queries 500] [--seed 7]

The shipped data set (`data/freight/ligurian_tuscan_freight.toml`) is loaded into a temporary
SQLite database and read back as the API reads it (`routing.freight.network.build_network`).
Then, for many random queries (origin and destination among the 19 terminals or random points
along the coast and the Po valley, 1-4 TEU, a few with reefer or hazardous cargo, earliest
departure anywhere in a fortnight that spans the 25 October 2026 clock change, deadline 2-5
days later, up to 6 legs), it times in the same run:

- ours: `routing.algorithms.freight.search_routes`, the full Pareto set over cost, arrival and
  CO2e (what `POST /v1/freight/routes` computes after reading the network from its cache);
- networkx: the time-expanded graph of the query (every reachable event: a container on a
  truck at a place and minute, in a yard entered at a minute and ready at another, on a dated
  departure; arcs for driving, gates, handling, waiting for each dated departure, weighted by
  elapsed minutes, built with the same step rules) and `nx.single_source_dijkstra` for the
  single-criterion earliest arrival. Building the graph is part of its time: it depends on the
  query's start, cargo and deadline.

Each answer is cross-checked: networkx's earliest arrival must equal the earliest arrival of our
Pareto set (a mismatch is printed). Prints p50/p95/max per request of both, the ratio, and the
machine; prints, never asserts. Target: <= 1 s per request (p95).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import networkx as nx
from sqlalchemy.orm import Session

from mobility.db import make_engine
from mobility.freight.loader import load_freight_file
from mobility.freight.repository import FreightRepository
from mobility.migrate import upgrade
from routing.algorithms.freight import FreightNetwork, FreightQuery, Place, search_routes
from routing.algorithms.freight.context import DESTINATION, ORIGIN, QueryContext
from routing.algorithms.freight.timeline import from_minute
from routing.freight.network import build_network

DATA = Path(__file__).resolve().parents[1] / "data" / "freight" / "ligurian_tuscan_freight.toml"
ROME = ZoneInfo("Europe/Rome")
START = datetime(2026, 10, 19, 0, 0, tzinfo=ROME)  # a fortnight around the autumn clock change
# Random points where shippers are: the coast from La Spezia to Livorno, Florence-Prato, Milan.
POINT_BOXES = [
    ((43.5, 44.2), (9.8, 10.6)),
    ((43.7, 43.95), (10.8, 11.3)),
    ((45.3, 45.6), (9.1, 9.5)),
]


def load_network() -> FreightNetwork:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/freight.sqlite3")
        upgrade(engine)
        with Session(engine) as session:
            load_freight_file(session, DATA)
            session.commit()
            version = FreightRepository(session).current_version()
            assert version is not None
            network = build_network(session, version)
        engine.dispose()
    return network


def random_queries(net: FreightNetwork, count: int, seed: int) -> list[FreightQuery]:
    rng = random.Random(seed)
    codes = sorted(net.terminals)

    def place() -> Place:
        if rng.random() < 0.25:
            (la, lb), (oa, ob) = rng.choice(POINT_BOXES)
            return Place(lat=round(rng.uniform(la, lb), 4), lon=round(rng.uniform(oa, ob), 4))
        return Place(rng.choice(codes))

    out: list[FreightQuery] = []
    while len(out) < count:
        origin, dest = place(), place()
        if origin == dest:
            continue
        start = START + timedelta(minutes=15 * rng.randrange(14 * 96))
        flags = rng.choice([frozenset()] * 6 + [frozenset({"reefer"}), frozenset({"hazardous"})])
        if any(
            p.terminal and not flags <= net.terminals[p.terminal].accepts for p in (origin, dest)
        ):
            continue
        out.append(
            FreightQuery(
                origin=origin,
                destination=dest,
                teu=rng.randint(1, 4),
                earliest_departure=start,
                deadline=start + timedelta(hours=rng.randint(48, 120)),
                cargo_flags=flags,
                max_legs=6,
            )
        )
    return out


def networkx_earliest(net: FreightNetwork, query: FreightQuery) -> datetime | None:
    """Earliest arrival by Dijkstra on the query's time-expanded graph (see the module doc)."""
    ctx = QueryContext(net, query)
    graph = nx.DiGraph()
    dest = query.destination.terminal
    sink = ("sink",)
    start = (
        ("yard", query.origin.terminal, ctx.start, ctx.start, False, 0)
        if query.origin.terminal
        else ("truck", ORIGIN, ctx.start, 0)
    )
    last_mile = {link.from_code: link for link in ctx.last_mile}
    stack = [start]
    seen = {start}

    def arc(a: tuple, b: tuple, minutes: int) -> None:  # type: ignore[type-arg]
        graph.add_edge(a, b, weight=minutes)
        if b not in seen and b[0] != "dest":
            seen.add(b)
            stack.append(b)
        if b[0] == "dest":
            graph.add_edge(b, sink, weight=0)

    def time_of(node: tuple) -> int:  # type: ignore[type-arg]
        return node[2]

    def drive(node: tuple, link, depart: int, legs: int) -> None:  # type: ignore[no-untyped-def, type-arg]
        if not ctx.takes(link.accepts) or legs >= query.max_legs:
            return
        arrive, _, _ = ctx.road(link, depart)
        if arrive > ctx.deadline:
            return
        if link.to_code == DESTINATION:
            arc(node, ("dest", None, arrive), arrive - time_of(node))
        else:
            arc(node, ("truck", link.to_code, arrive, legs + 1), arrive - time_of(node))

    def arrive_yard(node: tuple, there: str, when: int, legs: int) -> None:  # type: ignore[type-arg]
        if there == dest:
            arc(node, ("dest", None, when), when - time_of(node))
            return
        opened = ctx.windows[there].next_open(when)
        if opened is None:
            return
        ready = opened + net.terminals[there].handling_min
        if ready <= ctx.deadline:
            arc(node, ("yard", there, when, ready, False, legs), when - time_of(node))

    while stack:
        node = stack.pop()
        if node[0] == "truck":
            _, here, t, legs = node
            if here == ORIGIN:
                for link in ctx.first_mile:
                    drive(node, link, t, legs)
                if ctx.direct is not None:
                    drive(node, ctx.direct, t, legs)
                continue
            for link in net.road_out[here]:
                drive(node, link, t, legs)
            if here in last_mile:
                drive(node, last_mile[here], t, legs)
            if not ctx.terminal_takes(here):
                continue
            gate = ctx.windows[here].next_open(t)
            if gate is None or gate > ctx.deadline:
                continue
            if here == dest:
                arc(node, ("dest", None, gate), gate - t)
            else:
                ready = gate + net.terminals[here].handling_min
                if ready <= ctx.deadline:
                    arc(node, ("yard", here, gate, ready, True, legs), gate - t)
        elif node[0] == "yard":
            _, here, at, ready, by_road, legs = node
            if legs >= query.max_legs:
                continue
            for svc in net.services_from[here]:
                if not ctx.takes(svc.accepts) or not ctx.terminal_takes(svc.to_code):
                    continue
                for depart in ctx.departures[svc.code]:  # every dated departure: wait arcs
                    if (
                        depart >= ready
                        and at <= depart - svc.cutoff_min
                        and (ctx.free_teu(svc, depart) >= ctx.teu)
                    ):
                        boarding = ("dep", svc.code, depart, legs)
                        graph.add_edge(node, boarding, weight=depart - at)
                        if boarding not in seen:
                            seen.add(boarding)
                            arrive_yard(boarding, svc.to_code, depart + svc.transit_min, legs + 1)
            if not by_road:
                pickup = ctx.windows[here].next_open(ready)
                if pickup is not None and pickup <= ctx.deadline:
                    for link in net.road_out[here]:
                        drive(node, link, pickup, legs)
                    if here in last_mile:
                        drive(node, last_mile[here], pickup, legs)
    if sink not in graph:
        return None
    elapsed = nx.single_source_dijkstra(graph, start, sink, weight="weight")[0]
    return from_minute(ctx.start + int(elapsed), ROME)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    net = load_network()
    queries = random_queries(net, args.queries, args.seed)
    ours: list[float] = []
    peer: list[float] = []
    sizes: list[int] = []
    mismatches = 0
    for query in queries:
        t0 = time.perf_counter()
        result = search_routes(net, query)
        t1 = time.perf_counter()
        earliest = networkx_earliest(net, query)
        t2 = time.perf_counter()
        ours.append(t1 - t0)
        peer.append(t2 - t1)
        sizes.append(len(result.routes))
        mine = min((r.arrival for r in result.routes), key=lambda a: a.timestamp(), default=None)
        if (mine is None) != (earliest is None) or (
            mine is not None and earliest is not None and mine.timestamp() != earliest.timestamp()
        ):
            mismatches += 1
            print(
                f"MISMATCH {query.origin} -> {query.destination}: ours {mine}, networkx {earliest}"
            )
    load = os.getloadavg()[0]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load {load:.2f}"
    )
    print(
        f"network: {len(net.terminals)} terminals, {len(net.road_links)} road links, "
        f"{len(net.services)} services; {len(queries)} queries, seed {args.seed}"
    )
    answered = sum(1 for s in sizes if s)
    print(
        f"answered {answered}/{len(queries)}; Pareto set size mean {statistics.mean(sizes):.2f}, "
        f"max {max(sizes)}; earliest-arrival mismatches with networkx: {mismatches}"
    )
    print(f"{'':28} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9} {'total s':>9}")
    for name, times in (("ours (full Pareto set)", ours), ("networkx (earliest only)", peer)):
        print(
            f"{name:28} {percentile(times, 0.5) * 1e3:9.2f} {percentile(times, 0.95) * 1e3:9.2f} "
            f"{max(times) * 1e3:9.2f} {sum(times):9.2f}"
        )
    print(
        f"ratio networkx / ours: p50 {percentile(peer, 0.5) / percentile(ours, 0.5):.1f}x, "
        f"total {sum(peer) / sum(ours):.1f}x"
    )
    target = "PASS" if percentile(ours, 0.95) <= 1.0 else "BELOW"
    print(f"target p95 <= 1000 ms: {target}")


if __name__ == "__main__":
    main()

"""Small timetables for the planner tests: hand-written lines, random ones, a journey checker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from hypothesis import strategies as st

from routing.algorithms.raptor import Journey, RaptorParams, TripLeg, WalkLeg
from routing.algorithms.timetable import (
    ACCESSIBLE,
    NOT_ACCESSIBLE,
    Timetable,
    TripInfo,
    TripTimes,
    build_timetable,
)

DAY = date(2026, 11, 22)


def info(ref: str, *, block_next: int = -1, wheelchair: int = 0, route_type: int = 3) -> TripInfo:
    """A trip description with the given reference."""
    return TripInfo(
        trip_ref=f"T:{ref}",
        route_ref=f"R:{ref}",
        route_type=route_type,
        headsign=ref,
        service_date=DAY,
        wheelchair=wheelchair,
        block_next=block_next,
    )


def trip(
    ref: str,
    stops: Sequence[int],
    times: Sequence[int],
    *,
    dwell: int = 0,
    block_next: int = -1,
    wheelchair: int = 0,
    pickup: Sequence[bool] | None = None,
    dropoff: Sequence[bool] | None = None,
) -> TripTimes:
    """A trip arriving at ``times`` and leaving ``dwell`` seconds later at each stop."""
    return TripTimes(
        info=info(ref, block_next=block_next, wheelchair=wheelchair),
        stops=list(stops),
        arrivals=list(times),
        departures=[t + dwell for t in times],
        pickup=pickup,
        dropoff=dropoff,
    )


def stops(n: int) -> list[str]:
    """Stop references S:0 .. S:n-1."""
    return [f"S:{i}" for i in range(n)]


@dataclass(frozen=True)
class Case:
    """A random query on a random timetable."""

    tt: Timetable
    sources: list[tuple[int, int]]
    targets: list[tuple[int, int]]
    departure: int
    params: RaptorParams


@st.composite
def cases(draw: st.DrawFn, *, blocks: str | None = None) -> Case:
    """Random timetables of a few lines, with footpaths, change times and forbidden pairs.

    ``blocks``: None (no block continuations), "single" (a trip continues as one that does not
    continue further) or "chains" (any trip may continue as any other).
    """
    n = draw(st.integers(3, 8))
    wheelchair = draw(st.booleans()) and draw(st.booleans())
    trips: list[TripTimes] = []
    for line in range(draw(st.integers(1, 5))):
        seq = draw(st.permutations(range(n)))[: draw(st.integers(2, min(5, n)))]
        if draw(st.integers(0, 5)) == 0:
            seq = [*seq, seq[0]]  # a loop through its first stop again
        for _ in range(draw(st.integers(1, 4))):
            t = draw(st.integers(0, 4000)) + draw(st.sampled_from([0, 0, 84_000]))
            arr, dep = [], []
            for i in range(len(seq)):
                if i:
                    t += draw(st.integers(0, 600))
                arr.append(t)
                t += draw(st.sampled_from([0, 0, 30]))
                dep.append(t)
            flags = st.lists(
                st.sampled_from([True, True, True, True, False]),
                min_size=len(seq),
                max_size=len(seq),
            )
            trips.append(
                TripTimes(
                    info=info(
                        f"{line}-{len(trips)}",
                        wheelchair=draw(st.sampled_from([0, 1, 1, 2])) if wheelchair else 0,
                    ),
                    stops=seq,
                    arrivals=arr,
                    departures=dep,
                    pickup=draw(flags),
                    dropoff=draw(flags),
                )
            )
    if blocks:
        # "single": a trip continuing as another never continues itself (one level of blocks).
        tails = set(draw(st.sets(st.integers(0, len(trips) - 1)))) if blocks == "single" else set()
        for i, tt_ in enumerate(trips):
            if draw(st.integers(0, 2)) == 0 and i not in tails:
                nxt = draw(st.integers(0, len(trips) - 1))
                if nxt != i and (blocks != "single" or nxt in tails):
                    trips[i] = replace(tt_, info=replace(tt_.info, block_next=nxt))
    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    transfers = [
        (a, b, draw(st.integers(0, 400))) for a, b in draw(st.lists(pair, max_size=8)) if a != b
    ]
    forbidden = draw(st.lists(pair, max_size=3))
    tt = build_timetable(
        stops(n),
        trips,
        transfers=transfers,
        min_transfer_s=draw(
            st.lists(st.sampled_from([-1, -1, 0, 45, 200]), min_size=n, max_size=n)
        ),
        forbidden=forbidden,
        stop_wheelchair=draw(st.lists(st.sampled_from([0, 1, 1, 1, 2]), min_size=n, max_size=n)),
    )
    walk = st.tuples(st.integers(0, n - 1), st.sampled_from([0, 0, 60, 300]))
    params = RaptorParams(
        max_transfers=draw(st.integers(0, 3)),
        min_transfer_s=draw(st.sampled_from([0, 60, 120])),
        wheelchair=wheelchair,
        wheelchair_unknown_ok=draw(st.booleans()),
    )
    return Case(
        tt=tt,
        sources=draw(st.lists(walk, min_size=1, max_size=2)),
        targets=draw(st.lists(walk, min_size=1, max_size=2)),
        departure=draw(st.integers(0, 4000)) + draw(st.sampled_from([0, 84_000])),
        params=params,
    )


def _ok(flag: int, params: RaptorParams) -> bool:
    if not params.wheelchair:
        return True
    return flag == ACCESSIBLE or (flag != NOT_ACCESSIBLE and params.wheelchair_unknown_ok)


def journey_errors(
    tt: Timetable,
    j: Journey,
    sources: Sequence[tuple[int, int]],
    targets: Sequence[tuple[int, int]],
    earliest_departure: int,
    params: RaptorParams,
) -> list[str]:
    """Re-simulate a journey on the timetable; return what is wrong with it (empty: feasible)."""
    errors: list[str] = []
    access = {s: min(w for s2, w in sources if s2 == s) for s, _ in sources}
    egress = {s: min(w for s2, w in targets if s2 == s) for s, _ in targets}
    legs = list(j.legs)
    rides = [leg for leg in legs if isinstance(leg, TripLeg)]
    if not rides:
        return ["no ride"]
    if j.departure < earliest_departure:
        errors.append("leaves before the query's departure")
    first, last = rides[0], rides[-1]
    if first.from_stop not in access:
        return ["first ride does not start at a source stop"]
    if last.to_stop not in egress:
        return ["last ride does not end at a target stop"]
    clock = j.departure + access[first.from_stop]
    if (
        isinstance(legs[0], WalkLeg)
        and legs[0].arrival - legs[0].departure != access[first.from_stop]
    ):
        errors.append("access walk has the wrong length")
    prev: TripLeg | None = None
    walked = False
    for leg in legs:
        if isinstance(leg, WalkLeg):
            if leg.from_stop is None or leg.to_stop is None:
                continue
            if prev is None or leg.from_stop != prev.to_stop:
                errors.append("footpath does not start where the ride ended")
            sec = [
                int(s) for u, s in tt.transfers[leg.from_stop].reshape(-1, 2) if u == leg.to_stop
            ]
            if leg.arrival - leg.departure not in sec:
                errors.append("no such footpath")
            if (leg.from_stop, leg.to_stop) in tt.forbidden:
                errors.append("forbidden footpath")
            if not _ok(int(tt.stop_wheelchair[leg.to_stop]), params):
                errors.append("walks to an inaccessible stop")
            clock = leg.arrival
            walked = True
            continue
        p = leg.pattern
        rows = [r for r, t in enumerate(tt.pattern_trip_ids[p]) if t == leg.trip]
        if len(rows) != 1:
            return ["trip not in pattern"]
        row = rows[0]
        pstops = tt.pattern_stops[p]
        if not 0 <= leg.board_pos < leg.alight_pos < len(pstops):
            return ["positions out of order"]
        if (int(pstops[leg.board_pos]), int(pstops[leg.alight_pos])) != (
            leg.from_stop,
            leg.to_stop,
        ):
            errors.append("stops do not match positions")
        if leg.departure != tt.pattern_departures[p][row, leg.board_pos]:
            errors.append("departure is not the timetable's")
        if leg.arrival != tt.pattern_arrivals[p][row, leg.alight_pos]:
            errors.append("arrival is not the timetable's")
        info_ = tt.trips[leg.trip]
        if not _ok(info_.wheelchair, params) or leg.trip in params.excluded_trips:
            errors.append("rides an excluded trip")
        n = rides.index(leg)
        seated_on = n + 1 < len(rides) and rides[n + 1].stay_seated
        if not seated_on and not tt.pattern_dropoff[p][row, leg.alight_pos]:
            errors.append("alights where drop-off is not allowed")
        if not seated_on and not _ok(int(tt.stop_wheelchair[leg.to_stop]), params):
            errors.append("alights at an inaccessible stop")
        if leg.stay_seated:
            if prev is None or walked or tt.trips[prev.trip].block_next != leg.trip:
                errors.append("stays seated without a block continuation")
            elif prev.alight_pos != len(tt.pattern_stops[prev.pattern]) - 1 or leg.board_pos:
                errors.append("stays seated but not from end to start")
            elif leg.departure < prev.arrival:
                errors.append("block continuation leaves before the previous trip ends")
        else:
            if not tt.pattern_pickup[p][row, leg.board_pos]:
                errors.append("boards where pickup is not allowed")
            if not _ok(int(tt.stop_wheelchair[leg.from_stop]), params):
                errors.append("boards at an inaccessible stop")
            ready = clock
            if prev is not None and not walked:
                if leg.from_stop != prev.to_stop:
                    errors.append("changes stop without walking")
                if (leg.from_stop, leg.from_stop) in tt.forbidden:
                    errors.append("changes where it is forbidden")
                m = int(tt.min_transfer_s[leg.from_stop])
                ready = prev.arrival + (m if m >= 0 else params.min_transfer_s)
            if leg.departure < ready:
                errors.append(f"boards at {leg.departure} before being ready at {ready}")
        clock = leg.arrival
        prev = leg
        walked = False
    if j.arrival != last.arrival + egress[last.to_stop]:
        errors.append("arrival does not add up")
    seats = sum(1 for r in rides if not r.stay_seated)
    if j.transfers != seats - 1:
        errors.append("transfer count is wrong")
    if j.transfers > params.max_transfers:
        errors.append("too many transfers")
    return errors

"""RAPTOR journey planning: Pareto sets over (arrival, transfers), range and arrive-by queries.

Round-based public transit routing (Delling, Pajor, Werneck, "Round-Based Public Transit
Routing", 2012) on the arrays of a `Timetable`. Round ``k`` finds the earliest arrival with at
most ``k`` trips, so the rounds give the Pareto set over arrival time and number of transfers.

The journey model, shared with the brute-force `reference` used by the tests:

- a journey walks from the origin to a source stop (its access seconds), then rides one or more
  trips, and walks from the last alighting stop, a target stop, to the destination;
- between two trips it either changes at the same stop, boarding no earlier than the arrival
  plus ``min_transfer_s`` of the stop (the timetable's, or the query default where the timetable
  says -1), or walks one footpath ``(to_stop, seconds)`` and boards no earlier than arriving;
  forbidden ``(from, to)`` pairs allow neither;
- a trip is boarded at a position with pickup allowed, no earlier than its departure there, and
  left at a later position with drop-off allowed; with the wheelchair filter, only accessible
  stops (to board, alight or walk to) and accessible trips are used;
- staying seated when the vehicle continues as the next trip of its block (leaving no earlier
  than the previous trip arrives) costs no change time and is not a transfer. Every trip of a
  pattern one can catch is followed along its whole chain of continuations (a step per trip);
  only the earliest trip reached in each pattern has its stops scanned, since it arrives no
  later than the others anywhere on the pattern.

A journey with no trip at all (walking only) is not a RAPTOR answer; the caller compares it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from routing.algorithms._raptor_kernel import INF, run_rounds
from routing.algorithms.timetable import ACCESSIBLE, NOT_ACCESSIBLE, Timetable

MAX_ROUNDS_LIMIT = 32


@dataclass(frozen=True)
class RaptorParams:
    """Limits and filters of one query; validates itself.

    Attributes
    ----------
    max_transfers
        At most this many transfers (``max_transfers + 1`` trips); 0 means direct trips only.
    min_transfer_s
        Same-stop change time where the timetable gives none (``min_transfer_s == -1``).
    wheelchair
        Use only wheelchair-accessible stops and trips.
    wheelchair_unknown_ok
        With `wheelchair`, also accept stops and trips whose accessibility is unknown (0).
    route_types
        Ride only trips of these GTFS route types (None: all).
    excluded_trips
        Trip indices not to ride (e.g. cancelled in real time).
    """

    max_transfers: int = 5
    min_transfer_s: int = 60
    wheelchair: bool = False
    wheelchair_unknown_ok: bool = False
    route_types: frozenset[int] | None = None
    excluded_trips: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not 0 <= self.max_transfers < MAX_ROUNDS_LIMIT - 1:
            raise ValueError(f"max_transfers must be in [0, {MAX_ROUNDS_LIMIT - 2}]")
        if not 0 <= self.min_transfer_s <= 24 * 3600:
            raise ValueError("min_transfer_s must be in [0, 86400]")


@dataclass(frozen=True)
class WalkLeg:
    """A walk: access (``from_stop`` None), egress (``to_stop`` None) or a footpath."""

    from_stop: int | None
    to_stop: int | None
    departure: int
    arrival: int


@dataclass(frozen=True)
class TripLeg:
    """A ride on trip ``trip`` from position ``board_pos`` to ``alight_pos`` of ``pattern``."""

    trip: int
    pattern: int
    board_pos: int
    alight_pos: int
    from_stop: int
    to_stop: int
    departure: int
    arrival: int
    stay_seated: bool = False  # continues the previous leg's vehicle: not a transfer


Leg = WalkLeg | TripLeg


@dataclass(frozen=True)
class Journey:
    """One itinerary; ``departure`` is the latest time to leave the origin for it."""

    departure: int
    arrival: int
    transfers: int
    legs: tuple[Leg, ...]

    @property
    def duration(self) -> int:
        """Seconds from leaving the origin to reaching the destination."""
        return self.arrival - self.departure

    @property
    def trip_legs(self) -> tuple[TripLeg, ...]:
        """The rides, in order."""
        return tuple(leg for leg in self.legs if isinstance(leg, TripLeg))


@dataclass(frozen=True)
class RaptorResult:
    """Pareto-optimal journeys over (arrival, transfers), fewest transfers first."""

    departure: int
    journeys: tuple[Journey, ...]
    rounds: int

    @property
    def earliest(self) -> Journey | None:
        """The journey arriving first (fewest transfers among equals)."""
        return min(self.journeys, key=lambda j: (j.arrival, j.transfers), default=None)


class _State:
    """Label arrays of one query, reused across the departures of a range query."""

    def __init__(self, tt: Timetable, rounds: int, arrival_limit: int) -> None:
        n = tt.n_stops
        shape = (rounds + 1, n)
        self.trip_best = np.full(shape, INF, dtype=np.int32)
        self.trip_src = np.full(shape, -1, dtype=np.int32)
        self.trip_trip = np.full(shape, -1, dtype=np.int32)
        self.trip_bpos = np.full(shape, -1, dtype=np.int32)
        self.trip_apos = np.full(shape, -1, dtype=np.int32)
        self.trip_bround = np.full(shape, -1, dtype=np.int32)
        self.ready_best = np.full(shape, INF, dtype=np.int32)
        self.ready_src = np.full(shape, -1, dtype=np.int32)
        self.ready_kind = np.full(shape, -1, dtype=np.int8)
        self.ready_from = np.full(shape, -1, dtype=np.int32)
        n_cont = len(tt.trips) if tt.flat.has_blocks else 0
        self.cont_prev = np.full((rounds + 1, n_cont), -1, dtype=np.int32)
        self.cont_bpos = np.full((rounds + 1, n_cont), -1, dtype=np.int32)
        self.cont_bround = np.full((rounds + 1, n_cont), -1, dtype=np.int32)
        self.cont_seen = np.full(max(n_cont, 1), -1, dtype=np.int64)
        self.tgt_best = np.full(rounds + 1, min(arrival_limit, int(INF)), dtype=np.int32)
        self.tgt_stop = np.full(rounds + 1, -1, dtype=np.int32)
        self.tgt_new = np.zeros(rounds + 1, dtype=np.uint8)
        self.stamp = 0


def _masks(tt: Timetable, params: RaptorParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    flat = tt.flat
    stop_ok = np.ones(tt.n_stops, dtype=np.uint8)
    trip_ok = np.ones(len(tt.trips), dtype=np.uint8)
    if params.wheelchair:
        bad = (tt.stop_wheelchair == NOT_ACCESSIBLE) | (
            (tt.stop_wheelchair != ACCESSIBLE) & (not params.wheelchair_unknown_ok)
        )
        stop_ok[bad] = 0
        tbad = (flat.trip_wheelchair == NOT_ACCESSIBLE) | (
            (flat.trip_wheelchair != ACCESSIBLE) & (not params.wheelchair_unknown_ok)
        )
        trip_ok[tbad] = 0
    if params.route_types is not None:
        allowed = np.array(sorted(params.route_types), dtype=np.int32)
        trip_ok[~np.isin(flat.trip_route_type, allowed)] = 0
    if params.excluded_trips:
        trip_ok[np.array(sorted(params.excluded_trips), dtype=np.int64)] = 0
    mt = np.where(tt.min_transfer_s >= 0, tt.min_transfer_s, params.min_transfer_s)
    return stop_ok, trip_ok, mt.astype(np.int32)


class _Query:
    """One query's inputs in kernel form."""

    def __init__(
        self,
        tt: Timetable,
        sources: Sequence[tuple[int, int]],
        targets: Sequence[tuple[int, int]],
        params: RaptorParams,
    ) -> None:
        for s, w in (*sources, *targets):
            if not 0 <= s < tt.n_stops or w < 0:
                raise ValueError(f"bad (stop, walk seconds) pair {(s, w)}")
        self.tt = tt
        self.params = params
        self.rounds = params.max_transfers + 1
        self.stop_ok, self.trip_ok, self.mt = _masks(tt, params)
        best: dict[int, int] = {}
        for s, w in sources:
            best[s] = min(w, best.get(s, w))
        self.src_stop = np.array(list(best), dtype=np.int64)
        self.src_walk = np.array(list(best.values()), dtype=np.int64)
        self.access = best
        self.egress = np.full(tt.n_stops, INF, dtype=np.int32)
        for s, w in targets:
            self.egress[s] = min(int(self.egress[s]), w)

    def run(self, state: _State, departure: int) -> None:
        f = self.tt.flat
        state.stamp += 1
        run_rounds(
            f.pat_stop_start,
            f.pat_stops,
            f.pat_trip_start,
            f.pat_st_start,
            f.row_trip,
            f.dep,
            f.arr,
            f.pickup,
            f.dropoff,
            f.sp_start,
            f.sp_pattern,
            f.sp_pos,
            f.tr_start,
            f.tr_to,
            f.tr_s,
            f.same_stop_ok,
            f.trip_row,
            f.trip_pattern,
            f.block_next,
            self.mt,
            self.stop_ok,
            self.trip_ok,
            self.src_stop,
            self.src_walk,
            self.egress,
            np.int64(departure),
            np.int64(self.rounds),
            state.trip_best,
            state.trip_src,
            state.trip_trip,
            state.trip_bpos,
            state.trip_apos,
            state.trip_bround,
            state.ready_best,
            state.ready_src,
            state.ready_kind,
            state.ready_from,
            state.cont_prev,
            state.cont_bpos,
            state.cont_bround,
            state.cont_seen,
            np.int64(state.stamp),
            state.tgt_best,
            state.tgt_stop,
            state.tgt_new,
        )

    def new_journeys(self, state: _State) -> list[Journey]:
        """Journeys to the destination that improved in the last `run`."""
        out = []
        for k in range(1, self.rounds + 1):
            if state.tgt_new[k]:
                out.append(self._journey(state, k, int(state.tgt_stop[k])))
        return out

    def _ride(self, trip: int, board: int, alight: int, seated: bool) -> TripLeg:
        f = self.tt.flat
        p = int(f.trip_pattern[trip])
        stops = self.tt.pattern_stops[p]
        row = int(f.trip_row[trip] - f.pat_trip_start[p])
        return TripLeg(
            trip=trip,
            pattern=p,
            board_pos=board,
            alight_pos=alight,
            from_stop=int(stops[board]),
            to_stop=int(stops[alight]),
            departure=int(self.tt.pattern_departures[p][row, board]),
            arrival=int(self.tt.pattern_arrivals[p][row, alight]),
            stay_seated=seated,
        )

    def _journey(self, st: _State, k: int, target: int) -> Journey:
        """Follow parent pointers back from the trip label of round k at `target`."""
        rides: list[list[TripLeg]] = []  # per change, the rides of one seat, last first
        footpaths: list[int | None] = []  # per change: footpath from-stop or None (same stop)
        rnd, s = k, target
        for _ in range(4 * MAX_ROUNDS_LIMIT):
            rnd = int(st.trip_src[rnd, s])
            trip = int(st.trip_trip[rnd, s])
            bpos = int(st.trip_bpos[rnd, s])
            apos = int(st.trip_apos[rnd, s])
            bround = int(st.trip_bround[rnd, s])
            seat: list[TripLeg] = []
            while bpos < 0:  # seated from the block's previous trip
                seat.append(self._ride(trip, 0, apos, seated=True))
                prev = int(st.cont_prev[rnd, trip])
                bpos = int(st.cont_bpos[rnd, trip])
                bround = int(st.cont_bround[rnd, trip])
                trip = prev
                p = int(self.tt.flat.trip_pattern[trip])
                apos = len(self.tt.pattern_stops[p]) - 1
            seat.append(self._ride(trip, bpos, apos, seated=False))
            rides.append(seat)
            b = seat[-1].from_stop
            src = int(st.ready_src[bround, b])
            kind = int(st.ready_kind[src, b])
            if kind == 0:
                break
            footpaths.append(int(st.ready_from[src, b]) if kind == 2 else None)
            rnd, s = src, int(st.ready_from[src, b])
        else:  # pragma: no cover - parent pointers always end at an access walk
            raise RuntimeError("RAPTOR labels form a cycle")
        return self._assemble(rides[::-1], footpaths[::-1], target)

    def _assemble(
        self, seats: list[list[TripLeg]], footpaths: list[int | None], target: int
    ) -> Journey:
        legs: list[Leg] = []
        first = seats[0][-1]
        access = self.access[first.from_stop]
        if access > 0:
            legs.append(WalkLeg(None, first.from_stop, first.departure - access, first.departure))
        for i, seat in enumerate(seats):
            if i > 0 and footpaths[i - 1] is not None:
                prev = seats[i - 1][0]
                walk = self._walk_seconds(prev.to_stop, seat[-1].from_stop)
                legs.append(
                    WalkLeg(prev.to_stop, seat[-1].from_stop, prev.arrival, prev.arrival + walk)
                )
            legs.extend(reversed(seat))
        last = seats[-1][0]
        egress = int(self.egress[target])
        if egress > 0:
            legs.append(WalkLeg(last.to_stop, None, last.arrival, last.arrival + egress))
        return Journey(
            departure=first.departure - access,
            arrival=last.arrival + egress,
            transfers=len(seats) - 1,
            legs=tuple(legs),
        )

    def _walk_seconds(self, a: int, b: int) -> int:
        f = self.tt.flat
        lo, hi = int(f.tr_start[a]), int(f.tr_start[a + 1])
        hits = [int(f.tr_s[e]) for e in range(lo, hi) if int(f.tr_to[e]) == b]
        return min(hits)


def _pareto(journeys: Sequence[Journey], by_departure: bool) -> tuple[Journey, ...]:
    """Keep journeys no other beats on (earlier arrival, fewer transfers[, later departure])."""
    keep: list[Journey] = []
    seen: set[tuple[int, int, int]] = set()
    for j in sorted(journeys, key=lambda j: (j.transfers, j.arrival, -j.departure)):
        key = (j.departure, j.arrival, j.transfers)
        if key in seen:
            continue
        if any(
            (o.departure >= j.departure or not by_departure)
            and o.arrival <= j.arrival
            and o.transfers <= j.transfers
            for o in keep
        ):
            continue
        seen.add(key)
        keep.append(j)
    return tuple(sorted(keep, key=lambda j: (j.transfers, j.arrival)))


def raptor(
    timetable: Timetable,
    sources: Sequence[tuple[int, int]],
    targets: Sequence[tuple[int, int]],
    departure: int,
    params: RaptorParams | None = None,
) -> RaptorResult:
    """Pareto-optimal journeys over (arrival, transfers) leaving the origin at `departure`.

    Parameters
    ----------
    timetable
        The timetable to scan.
    sources
        ``(stop, walking seconds from the origin)`` pairs.
    targets
        ``(stop, walking seconds to the destination)`` pairs.
    departure
        Earliest time to leave the origin, seconds since ``timetable.origin``.
    params
        Limits and filters (defaults: `RaptorParams()`).

    Returns
    -------
    RaptorResult
        For each number of transfers up to ``params.max_transfers``, the earliest-arriving
        journey when it arrives strictly earlier than any journey with fewer transfers.
    """
    params = params or RaptorParams()
    q = _Query(timetable, sources, targets, params)
    state = _State(timetable, q.rounds, int(INF))
    q.run(state, departure)
    return RaptorResult(departure, _pareto(q.new_journeys(state), by_departure=False), q.rounds)


def departure_times(
    timetable: Timetable,
    sources: Sequence[tuple[int, int]],
    window_start: int,
    window_end: int,
    params: RaptorParams | None = None,
) -> list[int]:
    """Origin departure times in ``[window_start, window_end]`` where a trip can be caught.

    These are the times ``departure - access`` of every boardable trip at a source stop; the
    answers of the range query change only there. Latest first.
    """
    params = params or RaptorParams()
    stop_ok, trip_ok, _ = _masks(timetable, params)
    times: set[int] = set()
    best: dict[int, int] = {}
    for s, w in sources:
        best[s] = min(w, best.get(s, w))
    for s, w in best.items():
        if not stop_ok[s]:
            continue
        for p, i in timetable.stop_patterns[s].reshape(-1, 2):
            if i == len(timetable.pattern_stops[p]) - 1:
                continue
            d = timetable.pattern_departures[p][:, i].astype(np.int64) - w
            ok = (
                (d >= window_start)
                & (d <= window_end)
                & timetable.pattern_pickup[p][:, i]
                & (trip_ok[timetable.pattern_trip_ids[p]] == 1)
            )
            times.update(int(x) for x in d[ok])
    return sorted(times, reverse=True)


def raptor_range(
    timetable: Timetable,
    sources: Sequence[tuple[int, int]],
    targets: Sequence[tuple[int, int]],
    window_start: int,
    window_end: int,
    params: RaptorParams | None = None,
) -> list[Journey]:
    """Every Pareto journey leaving within the window (rRAPTOR).

    Runs RAPTOR for each departure time where a source trip can be caught, latest first,
    keeping the labels between runs (an answer for a later departure bounds the earlier ones).

    Parameters
    ----------
    timetable, sources, targets, params
        As for `raptor`.
    window_start, window_end
        The departure window, seconds since ``timetable.origin`` (inclusive).

    Returns
    -------
    list[Journey]
        Journeys not dominated by another leaving no earlier, arriving no later with no more
        transfers; sorted by departure, then transfers.
    """
    if window_end < window_start:
        raise ValueError("window_end must not be before window_start")
    params = params or RaptorParams()
    q = _Query(timetable, sources, targets, params)
    state = _State(timetable, q.rounds, int(INF))
    found: list[Journey] = []
    for t in departure_times(timetable, sources, window_start, window_end, params):
        q.run(state, t)
        # A journey found from t may leave later (waiting at the origin is free): past the
        # window's end, it is not an answer of this window.
        found.extend(j for j in q.new_journeys(state) if j.departure <= window_end)
    return sorted(_pareto(found, by_departure=True), key=lambda j: (j.departure, j.transfers))


def raptor_arrive_by(
    timetable: Timetable,
    sources: Sequence[tuple[int, int]],
    targets: Sequence[tuple[int, int]],
    arrival: int,
    window_s: int,
    params: RaptorParams | None = None,
) -> RaptorResult:
    """Latest-departure journeys arriving by `arrival`, Pareto over (departure, transfers).

    Uses the range query over ``[arrival - window_s, arrival]`` with every destination label
    bounded by ``arrival + 1``, so the scans prune everything arriving too late; for each number
    of transfers the journey leaving latest wins (exact within the window).

    Parameters
    ----------
    timetable, sources, targets, params
        As for `raptor`.
    arrival
        Latest arrival at the destination, seconds since ``timetable.origin``.
    window_s
        How long before `arrival` a journey may leave.

    Returns
    -------
    RaptorResult
        ``departure`` is the window start; journeys are Pareto-optimal over (later departure,
        fewer transfers), fewest transfers first.
    """
    if window_s <= 0:
        raise ValueError("window_s must be positive")
    params = params or RaptorParams()
    q = _Query(timetable, sources, targets, params)
    state = _State(timetable, q.rounds, arrival + 1)
    found: list[Journey] = []
    for t in departure_times(timetable, sources, arrival - window_s, arrival, params):
        q.run(state, t)
        found.extend(j for j in q.new_journeys(state) if j.arrival <= arrival)
    keep: list[Journey] = []
    for j in sorted(found, key=lambda j: (j.transfers, -j.departure, j.arrival)):
        if not any(o.departure >= j.departure and o.transfers <= j.transfers for o in keep):
            keep.append(j)
    return RaptorResult(arrival - window_s, tuple(keep), q.rounds)

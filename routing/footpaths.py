"""Transfers between stops: footpaths by distance, parent stations, and transfers.txt rules.

Pure functions of stop coordinates and rules (no database), so the timetable builder and the
tests call them directly. Indices are the timetable's stop indices, across every feed: a bus
stop of one feed and a rail platform of another connect like any two stops.

What each source gives:

- nearby stops: a walk between every pair within `max_transfer_walk_m` (great-circle distance,
  the haversine of `gtfs.repository.haversine_m`), taking ``ceil(distance / walk_speed_mps)``;
  found with a uniform grid over Earth-centred coordinates (no pole or antimeridian cases);
- parent stations: the platforms of a station and the station itself connect with a walk
  whatever their distance (large stations), when walking between stops is allowed at all
  (``max_transfer_walk_m > 0``);
- transfers.txt, rules naming stops only (a rule on a station applies to its platforms; a rule
  on a platform beats one on its station):

  - 0 (recommended): a walk between the two stops, even beyond the distance limit;
  - 1 (timed: the departing vehicle waits): zero seconds, or `min_transfer_time` when given,
    between the stops, or as the same-stop change time;
  - 2 (minimum time): `min_transfer_time` replaces the walk (or the same-stop change time);
  - 3 (not possible): no walk, and the pair is listed in `forbidden` (from == to forbids
    changing vehicles at that stop).

Rules restricted to routes or trips cannot be expressed per stop; the builder leaves types 0-3
of those out and handles the trip-to-trip in-seat rules (4 and 5) as block continuations.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from routing.algorithms.timetable import Timetable

EARTH_RADIUS_M = 6_371_008.8  # as gtfs.repository.haversine_m

RECOMMENDED, TIMED, MINIMUM_TIME, NOT_POSSIBLE = 0, 1, 2, 3

_NEIGHBOURS = [(dx, dy, dz) for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1)]


@dataclass(frozen=True, slots=True)
class TransferRule:
    """One stop-level row of transfers.txt, its stops as timetable stop indices."""

    from_stop: int
    to_stop: int
    transfer_type: int
    min_transfer_time: int | None = None


@dataclass(frozen=True)
class Transfers:
    """What the timetable needs to know about changing between and at stops."""

    transfers: tuple[NDArray[np.int32], ...]  # per stop: int32[k, 2] (to_stop, seconds)
    min_transfer_s: NDArray[np.int32]  # per stop: change time between two trips there, -1: ask
    # the query (its min_transfer_s)
    forbidden: frozenset[tuple[int, int]]  # (from_stop, to_stop): transfer_type 3

    @property
    def n_transfers(self) -> int:
        return sum(len(t) for t in self.transfers)


def haversine_m_array(
    lat1: NDArray[np.float64],
    lon1: NDArray[np.float64],
    lat2: NDArray[np.float64],
    lon2: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Great-circle distances in metres, element-wise (the formula of `haversine_m`)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def nearby_pairs(
    lat: NDArray[np.float64], lon: NDArray[np.float64], max_m: float
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.float64]]:
    """Every ordered pair of distinct points at most `max_m` metres apart.

    Parameters
    ----------
    lat, lon
        Coordinates in degrees, one per stop; NaN marks a stop without a position.
    max_m
        The distance limit in metres; zero or less gives no pairs.

    Returns
    -------
    (from, to, metres)
        Parallel arrays sorted by (from, to); both directions of each pair are present.

    Notes
    -----
    Points become Earth-centred 3-D coordinates and are bucketed in cubes whose side is the
    chord of `max_m`: the points within `max_m` of a point lie in its cube or the 26 around
    it, so the work is linear in the number of points for a city's density of stops.
    """
    empty = (np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.float64))
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    known = np.flatnonzero(~(np.isnan(lat) | np.isnan(lon)))
    if max_m <= 0 or len(known) < 2:
        return empty
    phi, lam = np.radians(lat[known]), np.radians(lon[known])
    xyz = (
        np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))
        * EARTH_RADIUS_M
    )
    chord = 2 * EARTH_RADIUS_M * math.sin(min(max_m / (2 * EARTH_RADIUS_M), math.pi / 2))
    cells = np.floor(xyz / chord).astype(np.int64)
    order = np.lexsort((cells[:, 2], cells[:, 1], cells[:, 0]))
    keys, starts = np.unique(cells[order], axis=0, return_index=True)
    ends = np.append(starts[1:], len(order))
    buckets = {
        (int(k[0]), int(k[1]), int(k[2])): order[s:e]
        for k, s, e in zip(keys.tolist(), starts.tolist(), ends.tolist(), strict=True)
    }
    limit = (chord * (1 + 1e-9)) ** 2
    found_from: list[NDArray[np.intp]] = []
    found_to: list[NDArray[np.intp]] = []
    for (x, y, z), members in buckets.items():
        around = [
            b
            for dx, dy, dz in _NEIGHBOURS
            if (b := buckets.get((x + dx, y + dy, z + dz))) is not None
        ]
        candidates = np.concatenate(around)
        d2 = ((xyz[members, None, :] - xyz[None, candidates, :]) ** 2).sum(axis=2)
        i, j = np.nonzero(d2 <= limit)
        keep = members[i] != candidates[j]
        found_from.append(members[i[keep]])
        found_to.append(candidates[j[keep]])
    src = known[np.concatenate(found_from)]
    dst = known[np.concatenate(found_to)]
    metres = haversine_m_array(lat[src], lon[src], lat[dst], lon[dst])
    keep = metres <= max_m
    src, dst, metres = src[keep], dst[keep], metres[keep]
    by_pair = np.lexsort((dst, src))
    return (
        src[by_pair].astype(np.int32),
        dst[by_pair].astype(np.int32),
        metres[by_pair],
    )


def station_pairs(parent: NDArray[np.int32]) -> list[tuple[int, int]]:
    """Ordered pairs of stops sharing a parent station, and each platform with its station."""
    children: dict[int, list[int]] = {}
    for child, station in enumerate(parent.tolist()):
        if station >= 0:
            children.setdefault(station, []).append(child)
    pairs: list[tuple[int, int]] = []
    for station, kids in children.items():
        members = [station, *kids]
        pairs.extend((a, b) for a in members for b in members if a != b)
    return pairs


def _expand(rules: Iterable[TransferRule], parent: NDArray[np.int32]) -> list[TransferRule]:
    """Rules on stations become rules on their platforms, placed before the platforms' own
    rules so that those win when applied in order."""
    children: dict[int, list[int]] = {}
    for child, station in enumerate(parent.tolist()):
        if station >= 0:
            children.setdefault(station, []).append(child)
    general: list[TransferRule] = []
    specific: list[TransferRule] = []
    for rule in rules:
        froms = [rule.from_stop, *children.get(rule.from_stop, ())]
        tos = [rule.to_stop, *children.get(rule.to_stop, ())]
        if len(froms) == 1 and len(tos) == 1:
            specific.append(rule)
            continue
        for f in froms:
            for t in tos:
                target = specific if (f, t) == (rule.from_stop, rule.to_stop) else general
                target.append(TransferRule(f, t, rule.transfer_type, rule.min_transfer_time))
    return general + specific


def build_transfers(
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
    parent: NDArray[np.int32],
    rules: Sequence[TransferRule] = (),
    *,
    max_transfer_walk_m: float = 400,
    walk_speed_mps: float = 1.3,
    default_min_transfer_s: int = -1,
) -> Transfers:
    """Footpaths, station walks and transfers.txt rules, as per-stop arrays.

    Parameters
    ----------
    lat, lon
        Stop coordinates in degrees (NaN when unknown).
    parent
        The parent station's stop index per stop, -1 for none.
    rules
        Stop-level transfers.txt rows (see the module docstring for each type).
    max_transfer_walk_m
        Longest walk between two different stops; 0 disables walks (rules still apply).
    walk_speed_mps
        Walking speed turning metres into seconds.
    default_min_transfer_s
        Change time between two trips at the same stop unless a rule says otherwise; -1 (the
        timetable's "no data") leaves it to each query.

    Returns
    -------
    Transfers
        Per stop the (to_stop, seconds) walks to other stops sorted by stop, the same-stop
        change times, and the forbidden pairs.
    """
    if walk_speed_mps <= 0:
        raise ValueError("walk_speed_mps must be positive")
    if max_transfer_walk_m < 0:
        raise ValueError("max_transfer_walk_m must not be negative")
    if default_min_transfer_s < -1:
        raise ValueError("default_min_transfer_s must be -1 (the query decides) or more")
    n = len(lat)
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)

    def walk_s(a: int, b: int) -> int:
        metres = float(haversine_m_array(lat[[a]], lon[[a]], lat[[b]], lon[[b]])[0])
        return 0 if math.isnan(metres) else math.ceil(metres / walk_speed_mps)

    edges: dict[tuple[int, int], int] = {}
    src, dst, metres = nearby_pairs(lat, lon, max_transfer_walk_m)
    seconds = np.ceil(metres / walk_speed_mps).astype(np.int64)
    edges.update(zip(zip(src.tolist(), dst.tolist(), strict=True), seconds.tolist(), strict=True))
    if max_transfer_walk_m > 0:
        for a, b in station_pairs(parent):
            edges.setdefault((a, b), walk_s(a, b))

    min_transfer = np.full(n, default_min_transfer_s, dtype=np.int32)
    forbidden: set[tuple[int, int]] = set()
    for rule in _expand(rules, parent):
        f, t, kind = rule.from_stop, rule.to_stop, rule.transfer_type
        given = rule.min_transfer_time
        if kind == NOT_POSSIBLE:
            forbidden.add((f, t))
            edges.pop((f, t), None)
            continue
        forbidden.discard((f, t))
        if kind == TIMED:
            value = given or 0
        elif kind == MINIMUM_TIME and given is not None:
            value = given
        elif kind in (RECOMMENDED, MINIMUM_TIME) and f != t:
            value = edges.get((f, t), walk_s(f, t))
        else:
            continue
        if f == t:
            min_transfer[f] = value
        else:
            edges[(f, t)] = value
    return Transfers(_per_stop(n, edges), min_transfer, frozenset(forbidden))


def _per_stop(n: int, edges: dict[tuple[int, int], int]) -> tuple[NDArray[np.int32], ...]:
    """Group (from, to) -> seconds into one int32[k, 2] array per from-stop, sorted by to."""
    if not edges:
        empty = np.empty((0, 2), dtype=np.int32)
        empty.setflags(write=False)
        return tuple(empty for _ in range(n))
    pairs = np.array(list(edges), dtype=np.int32).reshape(-1, 2)
    values = np.fromiter(edges.values(), dtype=np.int32, count=len(edges))
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    pairs, values = pairs[order], values[order]
    table = np.column_stack((pairs[:, 1], values)).astype(np.int32)
    bounds = np.searchsorted(pairs[:, 0], np.arange(n + 1))
    return tuple(table[bounds[i] : bounds[i + 1]] for i in range(n))


@dataclass(frozen=True)
class TransferInputs:
    """What a timetable's transfers are computed from, kept so that they can be computed again
    for other walking options without reading the database (`with_walking`)."""

    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    parent: NDArray[np.int32]
    rules: tuple[TransferRule, ...]

    def transfers(
        self,
        *,
        max_transfer_walk_m: float = 400,
        walk_speed_mps: float = 1.3,
        default_min_transfer_s: int = -1,
    ) -> Transfers:
        return build_transfers(
            self.lat,
            self.lon,
            self.parent,
            self.rules,
            max_transfer_walk_m=max_transfer_walk_m,
            walk_speed_mps=walk_speed_mps,
            default_min_transfer_s=default_min_transfer_s,
        )


def with_walking(
    timetable: Timetable,
    inputs: TransferInputs,
    *,
    max_transfer_walk_m: float = 400,
    walk_speed_mps: float = 1.3,
    default_min_transfer_s: int = -1,
) -> Timetable:
    """The same timetable with transfers for other walking options (the trips are shared).

    Parameters
    ----------
    timetable
        A timetable built together with `inputs` (`build_timetable_and_inputs`).
    inputs
        Its stops' coordinates, parent stations and transfers.txt rules.
    max_transfer_walk_m, walk_speed_mps, default_min_transfer_s
        As for `build_transfers`.

    Returns
    -------
    Timetable
        A copy whose `transfers`, `min_transfer_s` and `forbidden` follow the new options.
    """
    if len(inputs.lat) != timetable.n_stops:
        raise ValueError("the transfer inputs belong to another timetable")
    found = inputs.transfers(
        max_transfer_walk_m=max_transfer_walk_m,
        walk_speed_mps=walk_speed_mps,
        default_min_transfer_s=default_min_transfer_s,
    )
    return replace(
        timetable,
        transfers=found.transfers,
        min_transfer_s=found.min_transfer_s,
        forbidden=found.forbidden,
    )

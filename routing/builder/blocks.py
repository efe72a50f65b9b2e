"""Block continuations: the trip a vehicle goes on to run, so a rider may stay seated."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

IN_SEAT, NOT_IN_SEAT = 4, 5  # transfers.txt transfer_type between two trips


@dataclass(frozen=True, slots=True)
class RunEnds:
    """Where and when a run (timetable trip index `trip`) starts and ends."""

    trip: int
    trip_id: str
    block_id: str | None
    day: date
    first_stop: int
    last_stop: int
    first_departure: int
    last_arrival: int


def block_links(
    runs: Sequence[RunEnds],
    station_of: Sequence[int],
    in_seat: Iterable[tuple[str, str, int]] = (),
) -> dict[int, int]:
    """Trip index -> trip index the vehicle continues as, for the runs of one feed.

    Consecutive runs of one block on one service day continue each other when the second starts
    where the first ends (the same stop, or stops of one station) no earlier than it arrives;
    a vehicle that moves empty between them does not carry riders. transfers.txt type 4 rows
    (from_trip_id, to_trip_id) add links on each service day both trips run; type 5 rows remove
    them. Frequency-based runs are not passed in: which run continues which is unknowable.
    """

    def same_place(a: int, b: int) -> bool:
        return a == b or (station_of[a] >= 0 and station_of[a] == station_of[b])

    links: dict[int, int] = {}
    blocks: dict[tuple[str, date], list[RunEnds]] = {}
    for run in runs:
        if run.block_id:
            blocks.setdefault((run.block_id, run.day), []).append(run)
    for members in blocks.values():
        members.sort(key=lambda r: (r.first_departure, r.last_arrival, r.trip))
        for here, there in pairwise(members):
            if there.first_departure >= here.last_arrival and same_place(
                here.last_stop, there.first_stop
            ):
                links[here.trip] = there.trip
    by_trip: dict[str, dict[date, RunEnds]] = {}
    for run in runs:
        by_trip.setdefault(run.trip_id, {})[run.day] = run
    for from_trip, to_trip, kind in in_seat:
        targets = by_trip.get(to_trip, {})
        for day, src in by_trip.get(from_trip, {}).items():
            tsrc = targets.get(day)
            if tsrc is None:
                continue
            if kind == NOT_IN_SEAT:
                if links.get(src.trip) == tsrc.trip:
                    del links[src.trip]
            elif tsrc.first_departure >= src.last_arrival:
                links[src.trip] = tsrc.trip
    return links

"""Apply a TripUpdate to a trip's scheduled stop times, as the GTFS-Realtime spec reads; pure.

Times are seconds since the service day's origin (noon minus 12 h, local), like GTFS
stop_times; `service_day_origin` converts a service date to that origin's POSIX time.

The rules (gtfs-realtime/spec/en/trip-updates.md, reference.md):

- an update is matched to a stop by stop_sequence, else by stop_id (the first visit after the
  previously matched stop, so loop trips that pass a stop twice match in order);
- the delay observed at a stop (given, or absolute time minus scheduled time) runs on to the
  following stops until the next update: the departure delay if known, else the arrival delay;
- a stop with no update before the first one has an unknown delay, unless TripUpdate.delay
  is given, which covers stops until the first update that carries timing;
- an update with neither arrival nor departure, or NO_DATA, makes the delay unknown from there;
- a SKIPPED stop is flagged and the running delay passes through it unchanged;
- a CANCELED (or DELETED) trip flags every stop as canceled and predicts nothing;
- an arrival-only update gives its delay to the departure too, and vice versa.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from gtfs.realtime.records import (
    NOT_RUNNING,
    StopRelationship,
    StopTimeEvent,
    StopTimeUpdate,
    TripRelationship,
    TripUpdate,
)

TimeSource = Literal["realtime", "propagated", "schedule"]


class ScheduledStopTime(NamedTuple):
    stop_sequence: int
    stop_id: str
    arrival_s: int | None
    departure_s: int | None


@dataclass(frozen=True, slots=True)
class RealtimeStopTime:
    stop_sequence: int
    stop_id: str
    scheduled_arrival_s: int | None
    scheduled_departure_s: int | None
    arrival_s: int | None  # the best estimate: real-time when known, else the schedule
    departure_s: int | None
    arrival_delay: int | None  # None: no real-time information reaches this stop
    departure_delay: int | None
    skipped: bool = False
    canceled: bool = False
    source: TimeSource = "schedule"


@dataclass(frozen=True, slots=True)
class TripRealtime:
    schedule_relationship: TripRelationship | None  # None: the trip has no update
    stop_times: tuple[RealtimeStopTime, ...]
    unmatched_updates: int = 0  # updates naming a stop the trip does not have

    @property
    def canceled(self) -> bool:
        return self.schedule_relationship in NOT_RUNNING


def apply_trip_update(
    scheduled: Sequence[tuple[int, str, int | None, int | None]],
    update: TripUpdate | None,
    *,
    service_day_origin: int,
) -> TripRealtime:
    """The trip's stop times with `update` applied; `scheduled` is ordered by stop_sequence."""
    stops = [ScheduledStopTime(*s) for s in scheduled]
    if update is None:
        return TripRealtime(None, tuple(_shifted(s, None) for s in stops))
    relationship = update.schedule_relationship
    if update.canceled:
        return TripRealtime(relationship, tuple(_shifted(s, None, canceled=True) for s in stops))
    if not stops:  # ADDED / NEW trips: the updates are the whole timetable
        return TripRealtime(relationship, _from_updates(update, service_day_origin))
    matched, unmatched = _match(stops, update.stop_time_updates)
    carry: int | None = update.delay
    result: list[RealtimeStopTime] = []
    for index, stop in enumerate(stops):
        stu = matched.get(index)
        if stu is None:
            result.append(_shifted(stop, carry))
        elif stu.schedule_relationship is StopRelationship.NO_DATA:
            carry = None
            result.append(_shifted(stop, None))
        elif stu.schedule_relationship is StopRelationship.SKIPPED:
            result.append(_shifted(stop, carry, skipped=True))
        else:
            row, carry = _updated(stop, stu, service_day_origin)
            result.append(row)
    return TripRealtime(relationship, tuple(result), unmatched)


def _match(
    stops: Sequence[ScheduledStopTime], updates: Sequence[StopTimeUpdate]
) -> tuple[dict[int, StopTimeUpdate], int]:
    by_sequence = {s.stop_sequence: i for i, s in enumerate(stops)}
    matched: dict[int, StopTimeUpdate] = {}
    unmatched = 0
    cursor = -1
    for update in updates:
        index: int | None = None
        if update.stop_sequence is not None:
            index = by_sequence.get(update.stop_sequence)
        elif update.stop_id is not None:
            index = _find_stop(stops, update.stop_id, cursor + 1)
            if index is None:  # updates out of order: accept an earlier visit rather than lose it
                index = _find_stop(stops, update.stop_id, 0)
        if index is None:
            unmatched += 1
            continue
        matched[index] = update
        cursor = max(cursor, index)
    return matched, unmatched


def _find_stop(stops: Sequence[ScheduledStopTime], stop_id: str, start: int) -> int | None:
    return next((i for i in range(start, len(stops)) if stops[i].stop_id == stop_id), None)


def _plus(value: int | None, delay: int | None) -> int | None:
    return None if value is None or delay is None else value + delay


def _shifted(
    stop: ScheduledStopTime, delay: int | None, *, skipped: bool = False, canceled: bool = False
) -> RealtimeStopTime:
    return RealtimeStopTime(
        stop_sequence=stop.stop_sequence,
        stop_id=stop.stop_id,
        scheduled_arrival_s=stop.arrival_s,
        scheduled_departure_s=stop.departure_s,
        arrival_s=stop.arrival_s if delay is None else _plus(stop.arrival_s, delay),
        departure_s=stop.departure_s if delay is None else _plus(stop.departure_s, delay),
        arrival_delay=delay,
        departure_delay=delay,
        skipped=skipped,
        canceled=canceled,
        source="schedule" if delay is None else "propagated",
    )


def _resolve(
    event: StopTimeEvent | None, scheduled_s: int | None, origin: int
) -> tuple[int | None, int | None]:
    """(delay, time in service-day seconds) of one event; the absolute time wins over delay."""
    if event is None:
        return None, None
    if event.time is not None:
        at = event.time - origin
        return (at - scheduled_s if scheduled_s is not None else event.delay), at
    if event.delay is not None:
        return event.delay, _plus(scheduled_s, event.delay)
    return None, None


def _updated(
    stop: ScheduledStopTime, stu: StopTimeUpdate, origin: int
) -> tuple[RealtimeStopTime, int | None]:
    """The stop's row from its own update, and the delay that runs on to the next stops."""
    arrival_delay, arrival_s = _resolve(stu.arrival, stop.arrival_s, origin)
    departure_delay, departure_s = _resolve(stu.departure, stop.departure_s, origin)
    if arrival_delay is None and arrival_s is None:
        arrival_delay, arrival_s = departure_delay, _plus(stop.arrival_s, departure_delay)
    if departure_delay is None and departure_s is None:
        departure_delay, departure_s = arrival_delay, _plus(stop.departure_s, arrival_delay)
    if arrival_s is None and departure_s is None:
        # "A delay of unspecified duration": nothing is known from here on.
        return _shifted(stop, None), None
    if arrival_s is not None and departure_s is not None and departure_s < arrival_s:
        departure_s = arrival_s  # a vehicle cannot leave before it arrives
        if stop.departure_s is not None:
            departure_delay = departure_s - stop.departure_s
    row = RealtimeStopTime(
        stop_sequence=stop.stop_sequence,
        stop_id=stop.stop_id,
        scheduled_arrival_s=stop.arrival_s,
        scheduled_departure_s=stop.departure_s,
        arrival_s=arrival_s if arrival_s is not None else stop.arrival_s,
        departure_s=departure_s if departure_s is not None else stop.departure_s,
        arrival_delay=arrival_delay,
        departure_delay=departure_delay,
        source="realtime",
    )
    return row, departure_delay if departure_delay is not None else arrival_delay


def _from_updates(update: TripUpdate, origin: int) -> tuple[RealtimeStopTime, ...]:
    rows: list[RealtimeStopTime] = []
    for n, stu in enumerate(update.stop_time_updates, start=1):
        _, arrival_s = _resolve(stu.arrival, None, origin)
        _, departure_s = _resolve(stu.departure, None, origin)
        rows.append(
            RealtimeStopTime(
                stop_sequence=stu.stop_sequence if stu.stop_sequence is not None else n,
                stop_id=stu.stop_id or "",
                scheduled_arrival_s=None,
                scheduled_departure_s=None,
                arrival_s=arrival_s if arrival_s is not None else departure_s,
                departure_s=departure_s if departure_s is not None else arrival_s,
                arrival_delay=None,
                departure_delay=None,
                skipped=stu.schedule_relationship is StopRelationship.SKIPPED,
                source="realtime"
                if arrival_s is not None or departure_s is not None
                else "schedule",
            )
        )
    return tuple(rows)

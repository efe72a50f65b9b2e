"""Departures of headway-based trips (frequencies.txt), expanded from their templates."""

from __future__ import annotations

from gtfs.departure_facts import FrequencyTemplate, RouteFacts
from gtfs.departure_types import Departure, ServiceDay


def expand_frequencies(
    feed_id: str,
    templates: tuple[FrequencyTemplate, ...],
    routes: dict[str, RouteFacts],
    sd: ServiceDay,
) -> list[Departure]:
    """Every run of the templates' trips running on `sd` that reaches its stop in
    [sd.lo, sd.hi]: runs start in [start_time, end_time) every headway_secs."""
    out = []
    for t in templates:
        if t.service_id not in sd.active:
            continue
        route = routes.get(t.route_id) or (None, None, None, None)
        for start_time, end_time, headway, exact in t.windows:
            k0 = max(0, -(-(sd.lo - t.offset - start_time) // headway))
            start = start_time + k0 * headway
            while start < end_time and start + t.offset <= sd.hi:
                dep = start + t.offset
                departs = sd.at(dep)
                out.append(
                    Departure(
                        feed_id,
                        t.trip_id,
                        t.route_id,
                        *route,
                        t.headsign,
                        t.stop_id,
                        t.stop_sequence,
                        sd.day,
                        departs,
                        departs if t.dwell == 0 else sd.at(dep - t.dwell),
                        frequency_based=True,
                        exact_times=exact,
                    )
                )
                start += headway
    return out

"""What a departures board is made of: a departure, and a service day seen from the window."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from gtfs.modes import mode_of
from gtfs.repository import ServedVersion


@dataclass(slots=True)
class Departure:
    feed_id: str
    trip_id: str
    route_id: str
    route_short_name: str | None
    route_long_name: str | None
    route_type: int | None
    route_color: str | None
    headsign: str | None
    stop_id: str
    stop_sequence: int
    service_date: date
    scheduled_departure: datetime
    scheduled_arrival: datetime | None
    frequency_based: bool = False
    exact_times: bool | None = None  # frequency-based runs: exact_times of frequencies.txt
    realtime_departure: datetime | None = None
    realtime_arrival: datetime | None = None
    delay_s: int | None = None
    status: str = "scheduled"  # scheduled | canceled | skipped

    @property
    def mode(self) -> str:
        return mode_of(self.route_type)

    @property
    def sort_key(self) -> datetime:
        return self.realtime_departure or self.scheduled_departure


# Given the version and its departures, fills their real-time fields in place (GTFS-Realtime).
RealtimeApplier = Callable[[ServedVersion, list[Departure]], None]


@dataclass(frozen=True, slots=True)
class ServiceDay:
    """One service day seen from the requested window: the services it runs and the window
    in its own GTFS seconds [lo, hi]."""

    day: date
    origin: int  # POSIX time of GTFS 00:00:00
    tz: ZoneInfo
    active: frozenset[str]
    lo: int
    hi: int

    def at(self, seconds: int) -> datetime:
        return datetime.fromtimestamp(self.origin + seconds, self.tz)

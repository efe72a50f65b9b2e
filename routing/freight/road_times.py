"""Road time factors from the traffic side: a road leg takes its free-flow time times the mean
travel time index of its two ends when a congestion scenario covers them, free flow otherwise.

The traffic side answers per moment with the congestion in force then
(`mobility.traffic.congestion.snapshot.congestion_snapshot(session, at)`: None when no published
scenario covers it), asked for the index at a point (`travel_time_index(lat, lon)`: None where
no zone is near, which is free flow there). Per point that is
`mobility.traffic.congestion.service.travel_time_index`; a search asks for many points at one
time, so it takes the snapshot once per quarter hour and asks it in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from mobility.traffic.congestion.snapshot import congestion_snapshot
from routing.algorithms.freight import RoadLink

# A search asks for the same moments many times over (each label's road legs); the congestion
# in force is read once per quarter hour of departure and request.
_BUCKET_S = 15 * 60


class PointIndex(Protocol):
    def travel_time_index(self, lat: float, lon: float) -> float | None: ...


Snapshot = Callable[[Session, datetime], PointIndex | None]


class CongestionFactor:
    """`(departure, link) -> factor >= 1` for the route search, memoised per request; `used`
    says whether any road leg was slowed."""

    def __init__(self, session: Session, snapshot: Snapshot) -> None:
        self._session = session
        self._snapshot = snapshot
        self._in_force: dict[int, PointIndex | None] = {}
        self._memo: dict[tuple[float, float, int], float] = {}
        self.used = False

    def _at(self, lat: float, lon: float, at: datetime) -> float:
        bucket = int(at.timestamp()) // _BUCKET_S
        value = self._memo.get((lat, lon, bucket))
        if value is None:
            if bucket not in self._in_force:
                self._in_force[bucket] = self._snapshot(self._session, at)
            levels = self._in_force[bucket]
            found = None if levels is None else levels.travel_time_index(lat, lon)
            value = 1.0 if found is None else max(1.0, float(found))
            self._memo[(lat, lon, bucket)] = value
        return value

    def __call__(self, departure: datetime, link: RoadLink) -> float:
        if link.ends is None:
            return 1.0
        (lat1, lon1), (lat2, lon2) = link.ends
        factor = (self._at(lat1, lon1, departure) + self._at(lat2, lon2, departure)) / 2
        if factor > 1.0:
            self.used = True
        return factor


def road_time_factor(session: Session, snapshot: Snapshot | None = None) -> CongestionFactor:
    """The request's road time factor (the traffic side's congestion unless `snapshot` is
    given)."""
    return CongestionFactor(session, snapshot or congestion_snapshot)

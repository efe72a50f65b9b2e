"""The congestion in force at a moment, loaded once and looked up in memory.

`travel_time_index` is asked per road leg per request (the freight route search), so the
levels must not cost a table scan each time. A lookup costs one small query, the publication
in force per period with its band (a row per period that has one): it runs every time so a
publication made by another process, a changed band or a deleted scenario is seen at once.
The zones of the publication in force (centroids and indices) are read once per publication
and database and kept (an LRU of `_ZONE_CACHE_SIZE`): a published scenario is done, and a
done scenario's levels do not change (a recomputation is seen from its next publication).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from mobility.settings import get_settings
from mobility.traffic.congestion.bands import Band, band_of
from mobility.traffic.congestion.geo import haversine_m, is_geographic
from mobility.traffic.congestion.models import CongestionPublication, ZoneCongestion
from mobility.traffic.congestion.repository import latest_per_period
from mobility.traffic.models import TimePeriod, TrafficNetwork
from mobility.traffic.scenarios.models import TrafficScenario

# Beyond this distance from every zone centroid a point is outside the modelled area: a zone's
# level says nothing there. 5 km is about the radius of a suburban traffic zone.
MAX_ZONE_DISTANCE_M = 5_000.0
_ZONE_CACHE_SIZE = 32


def local_time(at: datetime) -> datetime:
    """`at` on the area's wall clock (`Settings.timezone`), where bands are defined."""
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    return at.astimezone(ZoneInfo(get_settings().timezone))


@dataclass(frozen=True, slots=True)
class BandInForce:
    """The latest publication of one period, and the period's band."""

    publication_id: int
    scenario_id: int
    period_code: str
    band: Band
    geographic: bool


@lru_cache(maxsize=256)
def _band(start: time | None, end: time | None, weekdays: str) -> Band | None:
    return band_of(start, end, weekdays)


def bands_in_force(session: Session) -> list[BandInForce]:
    """The latest publication of every period that has a band, the newest first: the first
    whose band contains a moment is the one in force then (the planner's latest decision)."""
    latest = latest_per_period()
    rows = session.execute(
        select(
            latest.c.id,
            CongestionPublication.scenario_id,
            TimePeriod.code,
            TimePeriod.start_time,
            TimePeriod.end_time,
            TimePeriod.weekdays,
            TrafficNetwork.crs,
            TrafficNetwork.source_format,
        )
        .select_from(latest)
        .join(CongestionPublication, CongestionPublication.id == latest.c.id)
        .join(TimePeriod, TimePeriod.code == latest.c.period_code)
        .join(TrafficScenario, TrafficScenario.id == CongestionPublication.scenario_id)
        .join(TrafficNetwork, TrafficNetwork.id == TrafficScenario.network_id)
        .order_by(latest.c.id.desc())
    ).all()
    found = []
    for pid, scenario_id, code, start, end, weekdays, crs, source_format in rows:
        band = _band(start, end, weekdays)
        if band is not None:
            geographic = is_geographic(crs, source_format)
            found.append(BandInForce(pid, scenario_id, code, band, geographic))
    return found


def in_force_at(session: Session, at: datetime) -> BandInForce | None:
    """The publication in force at `at`, if a published period's band contains it."""
    local = local_time(at)
    return next((b for b in bands_in_force(session) if b.band.contains(local)), None)


@dataclass(frozen=True, eq=False)
class CongestionSnapshot:
    """The zones of one publication with a centroid, for nearest-zone lookups in memory."""

    publication_id: int
    scenario_id: int
    period_code: str
    zone_ids: np.ndarray  # ascending, so a tie goes to the lowest zone id
    indices: np.ndarray  # travel-time index per zone
    lat: np.ndarray  # centroid latitude, radians
    lon: np.ndarray  # centroid longitude, radians
    cos_lat: np.ndarray

    def nearest(self, lat: float, lon: float) -> tuple[int, float] | None:
        """The zone whose centroid is nearest to (lat, lon) in degrees and its distance in
        metres (haversine), if within MAX_ZONE_DISTANCE_M."""
        if self.zone_ids.size == 0:
            return None
        p, lam = np.radians(lat), np.radians(lon)
        h = (
            np.sin((self.lat - p) / 2) ** 2
            + np.cos(p) * self.cos_lat * np.sin((self.lon - lam) / 2) ** 2
        )
        k = int(np.argmin(h))  # h grows with the distance
        distance = haversine_m(
            lat, lon, float(np.degrees(self.lat[k])), float(np.degrees(self.lon[k]))
        )
        if distance > MAX_ZONE_DISTANCE_M:
            return None
        return int(self.zone_ids[k]), distance

    def travel_time_index(self, lat: float, lon: float) -> float | None:
        """The index of the nearest zone (see `nearest`), None outside the modelled area."""
        found = self.nearest(lat, lon)
        if found is None:
            return None
        k = int(np.searchsorted(self.zone_ids, found[0]))
        return float(self.indices[k])


_lock = threading.Lock()
_zones: OrderedDict[tuple[str, int, int], CongestionSnapshot] = OrderedDict()


def _load(session: Session, active: BandInForce) -> CongestionSnapshot:
    rows = (
        session.execute(
            select(
                ZoneCongestion.zone_id,
                ZoneCongestion.travel_time_index,
                ZoneCongestion.y,
                ZoneCongestion.x,
            )
            .where(
                ZoneCongestion.scenario_id == active.scenario_id,
                ZoneCongestion.x.is_not(None),
                ZoneCongestion.y.is_not(None),
            )
            .order_by(ZoneCongestion.zone_id)
        ).all()
        if active.geographic  # planar coordinates answer no question in degrees
        else []
    )
    table = np.array([tuple(r) for r in rows], dtype=np.float64).reshape(-1, 4)
    lat = np.radians(table[:, 2])
    return CongestionSnapshot(
        publication_id=active.publication_id,
        scenario_id=active.scenario_id,
        period_code=active.period_code,
        zone_ids=table[:, 0].astype(np.int64),
        indices=table[:, 1].copy(),
        lat=lat,
        lon=np.radians(table[:, 3]),
        cos_lat=np.cos(lat),
    )


def snapshot_of(session: Session, active: BandInForce) -> CongestionSnapshot:
    """The zones of a publication, from the cache or read once."""
    # Per database: the tests (and a process serving two) must not share publication ids.
    bind = session.get_bind()
    url = bind.engine.url if isinstance(bind, Connection) else bind.url
    key = (url.render_as_string(), active.publication_id, active.scenario_id)
    with _lock:
        cached = _zones.get(key)
        if cached is not None:
            _zones.move_to_end(key)
            return cached
    made = _load(session, active)
    with _lock:
        _zones[key] = made
        while len(_zones) > _ZONE_CACHE_SIZE:
            _zones.popitem(last=False)
    return made


def congestion_snapshot(session: Session, at: datetime) -> CongestionSnapshot | None:
    """The zones in force at `at`, for many lookups: None when no published band covers it.

    One small query when the publication's zones are cached; never commits.
    """
    active = in_force_at(session, at)
    return None if active is None else snapshot_of(session, active)


def clear_cache() -> None:
    """Forget every cached snapshot (tests; an operator restoring a database)."""
    with _lock:
        _zones.clear()

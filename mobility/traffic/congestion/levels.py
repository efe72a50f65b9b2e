"""Congestion of a zone from the assigned volumes of its links, and its level.

Per zone, over its links with volume:

- the volume-weighted v/c, ``sum(v_i * (v_i / c_i)) / sum(v_i)``: the v/c a vehicle in the
  zone meets on average (an empty side street does not dilute a saturated artery);
- the travel-time index, ``sum(v_i * t_i) / sum(v_i * t0_i)``: congested over free-flow
  vehicle-hours, the definition of the Texas A&M Urban Mobility Report (1.0 = free flow);
- the level from the v/c by LEVEL_THRESHOLDS.

The thresholds are the planning-level v/c bands used with the Highway Capacity Manual's level
of service (HCM 6th ed.; as tabulated in e.g. the FDOT Quality/Level of Service Handbook):
LOS A-C below about 0.70, D to 0.85, E to 1.00, F (demand over capacity) above. Free covers
LOS A-C, moderate LOS D, heavy LOS E, severe LOS F. A zone whose links carry nothing is free,
with a travel-time index of 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mobility.traffic.congestion.models import CongestionLevel

# (upper v/c bound exclusive, level), ascending; above the last bound: severe.
LEVEL_THRESHOLDS: tuple[tuple[float, CongestionLevel], ...] = (
    (0.70, CongestionLevel.FREE),
    (0.85, CongestionLevel.MODERATE),
    (1.00, CongestionLevel.HEAVY),
)


def level_of(voc: float) -> CongestionLevel:
    """The level of a volume-weighted v/c."""
    for bound, level in LEVEL_THRESHOLDS:
        if voc < bound:
            return level
    return CongestionLevel.SEVERE


@dataclass(frozen=True, slots=True)
class LinkLoad:
    """What one link contributes: volume (PCE), capacity, congested and free-flow times."""

    volume: float
    capacity: float
    travel_time: float
    free_flow_time: float


@dataclass(frozen=True, slots=True)
class ZoneLoad:
    voc: float
    travel_time_index: float
    level: CongestionLevel
    links: int
    volume: float


def zone_load(links: Iterable[LinkLoad]) -> ZoneLoad:
    """The congestion of a zone made of `links` (see the module's formulas)."""
    count = 0
    volume = weighted_voc = vht = vht0 = 0.0
    for link in links:
        count += 1
        if link.volume <= 0:
            continue
        volume += link.volume
        # A link of zero capacity that carries volume is as congested as it gets: count it
        # at the severe bound rather than dividing by zero.
        voc = link.volume / link.capacity if link.capacity > 0 else LEVEL_THRESHOLDS[-1][0]
        weighted_voc += link.volume * voc
        vht += link.volume * link.travel_time
        vht0 += link.volume * link.free_flow_time
    voc = weighted_voc / volume if volume > 0 else 0.0
    tti = vht / vht0 if vht0 > 0 else 1.0
    return ZoneLoad(voc, tti, level_of(voc), count, volume)


def merge(zones: Iterable[tuple[float, float]]) -> tuple[float, CongestionLevel]:
    """The volume-weighted v/c and level of several zones together (e.g. the traffic zones in
    one fare zone), from each zone's (v/c, volume)."""
    items = list(zones)
    total = sum(volume for _, volume in items)
    if total <= 0:
        return 0.0, CongestionLevel.FREE
    voc = sum(voc * volume for voc, volume in items) / total
    return voc, level_of(voc)

"""The observed side of an OD-matrix fit: mean hourly volumes of counted links in a period.

From the hourly aggregates of the detectors mapped to a network's links, between two local
dates, keeping the hours that start inside the period's time band (its local start/end and
weekdays, `mobility.traffic.congestion.bands`) and whose completeness reaches a threshold:

- per link, class and hour, detectors on the same link are averaged: two stations on one link
  count the same vehicles;
- per link and class, the hours are averaged: the volume of an hour of the period, the unit
  of the period's demand matrix and of link capacities;
- a link's per-class counts (classes the model has) are used where its detectors classify;
  its all-vehicle count only where they do not, so no vehicle is counted twice. Per-class
  counts of classes the model lacks (buses, motorcycles) are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobility.settings import get_settings
from mobility.traffic.congestion.bands import band_of
from mobility.traffic.counts.errors import CountsSelectionInvalid
from mobility.traffic.counts.quality import VehicleClass
from mobility.traffic.counts.repository import CountsRepository
from mobility.traffic.models import TimePeriod, TrafficLink

# An hour with less than this share of its intervals observed is not an hour's count.
MIN_COMPLETENESS = 0.75


@dataclass(frozen=True)
class ObservedCounts:
    """Mean hourly counts by link index (the network's link order)."""

    vehicles: dict[int, float]  # every vehicle, from detectors that do not classify
    by_class: dict[str, dict[int, float]]  # vehicles of one class
    hours: int  # distinct hours used
    detectors: int
    incomplete_hours: int  # detector-hours left out for their completeness

    @property
    def links(self) -> int:
        return len(set(self.vehicles).union(*(set(c) for c in self.by_class.values())))


def observed_counts(
    session: Session,
    network_id: int,
    period_code: str,
    first_day: date,
    last_day: date,
    classes: Sequence[str],
    *,
    min_completeness: float = MIN_COMPLETENESS,
) -> ObservedCounts:
    """The counts of the period's hours from `first_day` to `last_day` (local, inclusive).

    Raises CountsSelectionInvalid when the period has no band, the range is empty, or no hour
    of any counted link is left.
    """
    period = session.get(TimePeriod, period_code)
    if period is None:
        raise CountsSelectionInvalid(f"no time period {period_code!r}", period=period_code)
    band = band_of(period.start_time, period.end_time, period.weekdays)
    if band is None:
        raise CountsSelectionInvalid(
            f"period {period_code!r} has no start and end time: its hours are unknown",
            period=period_code,
        )
    if last_day < first_day:
        raise CountsSelectionInvalid(f"the range {first_day} .. {last_day} is empty")
    tz = ZoneInfo(get_settings().timezone)
    start = datetime.combine(first_day, time(0), tz).astimezone(UTC)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tz).astimezone(UTC)
    link_index = {
        row.id: row.link_index
        for row in session.execute(
            select(TrafficLink.id, TrafficLink.link_index).where(
                TrafficLink.network_id == network_id
            )
        )
    }
    # Counts of classes the model lacks (buses, motorcycles) are not asked for.
    wanted = [c for c in VehicleClass if c is VehicleClass.ALL or c.value in set(classes)]
    rows = CountsRepository(session).hourly_link_volumes(network_id, start, end, wanted)
    per_hour: dict[tuple[int, str, datetime], list[float]] = defaultdict(list)
    detectors: set[int] = set()
    incomplete = 0
    for detector, link_id, code, hour, volume, completeness in rows:
        if link_id not in link_index or not band.contains(hour.astimezone(tz)):
            continue
        if completeness < min_completeness:
            incomplete += 1
            continue
        detectors.add(detector)
        per_hour[(link_index[link_id], code, hour)].append(float(volume))
    per_link: dict[tuple[int, str], list[float]] = defaultdict(list)
    for (link, code, _), volumes in per_hour.items():
        per_link[(link, code)].append(sum(volumes) / len(volumes))
    classified = {link for link, code in per_link if code != VehicleClass.ALL.value}
    vehicles: dict[int, float] = {}
    by_class: dict[str, dict[int, float]] = defaultdict(dict)
    for (link, code), hourly in sorted(per_link.items()):
        mean = sum(hourly) / len(hourly)
        if code == VehicleClass.ALL.value:
            if link not in classified:
                vehicles[link] = mean
        else:
            by_class[code][link] = mean
    if not vehicles and not by_class:
        raise CountsSelectionInvalid(
            f"no complete hourly count of a link of network {network_id} in period "
            f"{period_code!r} from {first_day} to {last_day}",
            incomplete_hours=incomplete,
        )
    return ObservedCounts(
        vehicles, dict(by_class), len({h for _, _, h in per_hour}), len(detectors), incomplete
    )

"""Congestion levels for the rest of the system: the travel-time index at a place and time,
and the levels in force.

A scenario's levels apply, once published, in its period's time band (local time of the
area, `Settings.timezone`). When several published periods cover a moment (say a "peak" and
an "all day" period), the one published last wins: the planner's latest decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobility.traffic import repository as traffic
from mobility.traffic.congestion.bands import format_weekdays
from mobility.traffic.congestion.errors import FareZoneMapInvalid, TimePeriodNotFound
from mobility.traffic.congestion.geo import is_geographic
from mobility.traffic.congestion.models import CongestionPublication, ZoneCongestion
from mobility.traffic.congestion.repository import ActivePublication, CongestionRepository
from mobility.traffic.congestion.schemas import FARE_ZONE_PATTERN
from mobility.traffic.congestion.snapshot import congestion_snapshot, in_force_at
from mobility.traffic.errors import TimePeriodInvalid
from mobility.traffic.models import TimePeriod, TrafficNetwork, TrafficZone
from mobility.traffic.scenarios.models import TrafficScenario
from mobility.traffic.scenarios.service import done_scenario


def active_at(session: Session, at: datetime) -> ActivePublication | None:
    """The publication in force at `at`: the latest one whose period's band contains it."""
    found = in_force_at(session, at)
    if found is None:
        return None
    publication = session.get_one(CongestionPublication, found.publication_id)
    scenario = session.get_one(TrafficScenario, found.scenario_id)
    return ActivePublication(
        publication,
        scenario,
        session.get_one(TimePeriod, found.period_code),
        session.get_one(TrafficNetwork, scenario.network_id),
    )


def travel_time_index(session: Session, lat: float, lon: float, at: datetime) -> float | None:
    """The travel-time index (congested / free-flow time, >= 1 when loaded) at (lat, lon) at `at`.

    It is the index of the active scenario's zone whose centroid is nearest to the point, for
    the time band containing `at`. None when no published scenario's band covers `at`, when
    that scenario's network has no geographic coordinates, or when the point is farther than
    `snapshot.MAX_ZONE_DISTANCE_M` (5 km) from every zone centroid. Reads only; never
    commits. One small query per call (the zones are cached per publication): a caller
    asking many points at one time takes `congestion_snapshot(session, at)` once and asks it.
    """
    snapshot = congestion_snapshot(session, at)
    return None if snapshot is None else snapshot.travel_time_index(lat, lon)


# -- what the API lists and sets -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ZoneLevels:
    """A scenario's levels per zone, the fare zone of each (if mapped), and whether the
    centroids are longitude/latitude."""

    zones: list[ZoneCongestion]
    fare_zones: dict[int, str]
    geographic: bool


def _zone_levels(session: Session, scenario_id: int, network: TrafficNetwork) -> ZoneLevels:
    repo = CongestionRepository(session)
    return ZoneLevels(
        list(repo.zones_of(scenario_id)),
        repo.fare_zone_map(network.id),
        is_geographic(network.crs, network.source_format),
    )


def levels_at(session: Session, at: datetime) -> tuple[ActivePublication | None, ZoneLevels]:
    """The publication in force at `at` and its zones (none when no band covers it)."""
    active = active_at(session, at)
    if active is None:
        return None, ZoneLevels([], {}, False)
    return active, _zone_levels(session, active.scenario.id, active.network)


def scenario_levels(session: Session, scenario_id: int) -> tuple[TrafficScenario, ZoneLevels]:
    """A finished scenario and the levels its run computed, published or not.

    Raises ScenarioNotFound, and ScenarioNotDone while it has no results.
    """
    scenario = done_scenario(session, scenario_id)
    network = session.get_one(TrafficNetwork, scenario.network_id)
    return scenario, _zone_levels(session, scenario_id, network)


def set_fare_zone_map(session: Session, network_id: int, mapping: dict[int, str]) -> None:
    """Replace the network's map of traffic zones to fare zones; every zone must exist.

    Fare zone ids are the tariff's: ticketing drops bands of zones its catalogue lacks when
    it applies a publication (mobility cannot see the catalogue).
    """
    traffic.get_network(session, network_id)  # NetworkNotFound
    known = set(
        session.scalars(select(TrafficZone.zone_id).where(TrafficZone.network_id == network_id))
    )
    malformed = sorted(z for z, fare in mapping.items() if not re.match(FARE_ZONE_PATTERN, fare))
    if malformed:
        raise FareZoneMapInvalid(
            f"zone {malformed[0]}: a fare zone id is 1-64 letters, digits or _.:-",
            errors=[
                {"path": f"zones[zone_id={z}]", "message": "malformed fare zone id"}
                for z in malformed[:50]
            ],
        )
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise FareZoneMapInvalid(
            f"network {network_id} has no zone {unknown[0]}"
            + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""),
            errors=[
                {"path": f"zones[zone_id={z}]", "message": "unknown zone"} for z in unknown[:50]
            ],
        )
    CongestionRepository(session).replace_fare_zone_map(network_id, mapping)


def fare_zone_map(session: Session, network_id: int) -> dict[int, str]:
    traffic.get_network(session, network_id)
    return CongestionRepository(session).fare_zone_map(network_id)


def set_period_band(
    session: Session, code: str, start: time, end: time, weekdays: frozenset[int]
) -> TimePeriod:
    """Give period `code` its local time band (start == end is refused: say which 24 hours)."""
    period = session.get(TimePeriod, code)
    if period is None:
        raise TimePeriodNotFound(f"no time period {code!r}", period=code)
    if start == end:
        raise TimePeriodInvalid(f"period {code!r} starts and ends at {start}")
    if start.tzinfo is not None or end.tzinfo is not None:
        raise TimePeriodInvalid(f"period {code!r}: band times are local, without an offset")
    if any(t.second or t.microsecond for t in (start, end)):
        # Fares take bands in whole minutes (HH:MM): the levels must switch when fares do.
        raise TimePeriodInvalid(f"period {code!r}: band times are whole minutes (HH:MM)")
    period.start_time, period.end_time = start, end
    period.weekdays = format_weekdays(weekdays)
    session.flush()
    return period

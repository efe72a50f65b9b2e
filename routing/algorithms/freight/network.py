"""The freight network as the route search reads it: terminals, road links, scheduled services.

Plain frozen data built once per data set version (see `routing.freight.network`); nothing here
touches a database. Times of day are local wall-clock minutes in the network's time zone,
weekdays 0 = Monday .. 6 = Sunday; money is integer cents per TEU in the network's currency.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius


class CargoFlag(StrEnum):
    """Cargo needing a terminal, service or link that declares it takes it."""

    REEFER = "reefer"  # refrigerated: needs power (plugs, gensets)
    HAZARDOUS = "hazardous"  # dangerous goods under ADR (road), RID (rail), IMDG (sea)


ALL_FLAGS: frozenset[str] = frozenset(f.value for f in CargoFlag)


@dataclass(frozen=True, slots=True)
class Terminal:
    """A place a container can be handled at; `hours` are (weekday, open_min, close_min)."""

    code: str
    kind: str
    lat: float
    lon: float
    handling_min: int
    handling_cost_cents: int  # per TEU
    handling_kg_co2e_per_teu: float
    hours: tuple[tuple[int, int, int], ...]
    accepts: frozenset[str] = ALL_FLAGS
    road: bool = True  # served by road: a first- or last-mile truck can reach it


@dataclass(frozen=True, slots=True)
class RoadLink:
    """One direction of a road between two terminals (or a first/last-mile leg to a point)."""

    from_code: str
    to_code: str
    distance_km: float
    time_min: int  # free flow
    cost_per_teu_cents: int
    g_co2e_per_tkm: float
    accepts: frozenset[str] = ALL_FLAGS
    route: str = ""
    # (lat, lon) of both ends: where a road time factor (congestion) is looked up.
    ends: tuple[tuple[float, float], tuple[float, float]] | None = None


@dataclass(frozen=True, slots=True)
class Service:
    """A scheduled rail or sea service; `departures` are (weekday, local minute of day)."""

    code: str
    mode: str
    from_code: str
    to_code: str
    departures: tuple[tuple[int, int], ...]
    transit_min: int
    capacity_teu: int
    cutoff_min: int
    cost_per_teu_cents: int
    distance_km: float
    g_co2e_per_tkm: float
    accepts: frozenset[str] = ALL_FLAGS
    operator: str = ""


@dataclass(frozen=True, slots=True)
class RoadAccess:
    """First and last mile between a point and a terminal: the data set's road formula applied
    to the great-circle distance times a circuity factor (road km per straight-line km)."""

    circuity_factor: float
    speed_kmh: float
    access_min: int
    base_cost_per_teu_cents: int
    cost_per_km_per_teu_cents: int
    max_distance_km: float
    g_co2e_per_tkm: float

    def leg(
        self, from_code: str, to_code: str, a: tuple[float, float], b: tuple[float, float]
    ) -> RoadLink:
        """The road leg between two places given as (lat, lon)."""
        km = round(haversine_km(*a, *b) * self.circuity_factor, 1)
        minutes = max(1, round(km / self.speed_kmh * 60 + self.access_min))
        cost = self.base_cost_per_teu_cents + round(km * self.cost_per_km_per_teu_cents)
        return RoadLink(
            from_code,
            to_code,
            max(km, 0.1),
            minutes,
            cost,
            self.g_co2e_per_tkm,
            route=f"road, {km:g} km estimated ({self.circuity_factor:g} x great circle)",
            ends=(a, b),
        )


@dataclass(frozen=True)
class FreightNetwork:
    """Everything the search needs, indexed by terminal code."""

    timezone: str
    currency: str
    tonnes_per_teu: float
    terminals: Mapping[str, Terminal]
    road_links: tuple[RoadLink, ...]
    services: tuple[Service, ...]
    road_access: RoadAccess | None = None
    version: str = ""
    road_out: Mapping[str, tuple[RoadLink, ...]] = field(init=False, repr=False)
    services_from: Mapping[str, tuple[Service, ...]] = field(init=False, repr=False)
    services_by_code: Mapping[str, Service] = field(init=False, repr=False)
    zone: ZoneInfo = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for link in self.road_links:
            for code in (link.from_code, link.to_code):
                if code not in self.terminals:
                    raise ValueError(f"road link refers to unknown terminal {code!r}")
        road_out: dict[str, list[RoadLink]] = {code: [] for code in self.terminals}
        for link in self.road_links:
            road_out[link.from_code].append(link)
        services_from: dict[str, list[Service]] = {code: [] for code in self.terminals}
        by_code: dict[str, Service] = {}
        for service in self.services:
            for code in (service.from_code, service.to_code):
                if code not in self.terminals:
                    raise ValueError(f"service {service.code} refers to unknown terminal {code!r}")
            if service.code in by_code:
                raise ValueError(f"two services with code {service.code!r}")
            by_code[service.code] = service
            services_from[service.from_code].append(service)
        set_ = object.__setattr__
        set_(self, "road_out", MappingProxyType({k: tuple(v) for k, v in road_out.items()}))
        set_(
            self, "services_from", MappingProxyType({k: tuple(v) for k, v in services_from.items()})
        )
        set_(self, "services_by_code", MappingProxyType(by_code))
        set_(self, "zone", ZoneInfo(self.timezone))

    def road_link(self, from_code: str, to_code: str) -> RoadLink | None:
        for link in self.road_out.get(from_code, ()):
            if link.to_code == to_code:
                return link
        return None

    def nearest_terminals(
        self, lat: float, lon: float, count: int, cargo: frozenset[str] = frozenset()
    ) -> list[tuple[Terminal, float]]:
        """Up to `count` road-served terminals that take `cargo` nearest to a point, with their
        great-circle km, within the road access's maximum distance. (A terminal that cannot
        take the cargo would waste a candidate: the container could not be handled there.)"""
        if self.road_access is None:
            return []
        ranked = sorted(
            (haversine_km(lat, lon, t.lat, t.lon), t.code)
            for t in self.terminals.values()
            if t.road and cargo <= t.accepts
        )
        limit = self.road_access.max_distance_km
        return [(self.terminals[code], km) for km, code in ranked[:count] if km <= limit]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))

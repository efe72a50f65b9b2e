"""The freight network of the current data set version, read from the database into the route
search's input (`routing.algorithms.freight.FreightNetwork`) and cached per version.

A load of a new data file makes a new version row, so the cache key (version id and checksum)
changes and the next request reads the tables again; the cache is per process and holds the
current version only.
"""

from __future__ import annotations

import threading
from collections import defaultdict

from sqlalchemy.orm import Session

from mobility.freight.models import FreightDatasetVersion
from mobility.freight.repository import FreightRepository
from routing.algorithms.freight import (
    FreightNetwork,
    RoadAccess,
    RoadLink,
    Service,
    Terminal,
    haversine_km,
)


def _flags(text: str) -> frozenset[str]:
    return frozenset(part for part in text.split(",") if part)


def build_network(session: Session, version: FreightDatasetVersion) -> FreightNetwork:
    """The network the tables hold for `version` (the current one: tables hold only it)."""
    repo = FreightRepository(session)
    factors = {f.code: f for f in repo.emission_factors()}
    defaults = {f.mode: f.g_co2e_per_tkm for f in factors.values() if f.mode_default}
    hub = {f.terminal_kind: f.kg_co2e_per_teu for f in repo.transshipment_factors()}
    rows = repo.terminals()
    code_of = {row.id: row.code for row in rows}
    hours: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for h in repo.opening_hours():
        hours[h.terminal_id].append((h.weekday, h.open_min, h.close_min))
    terminals = {
        row.code: Terminal(
            code=row.code,
            kind=row.kind,
            lat=row.lat,
            lon=row.lon,
            handling_min=row.handling_min,
            handling_cost_cents=row.handling_cost_cents,
            handling_kg_co2e_per_teu=hub.get(row.kind, 0.0),
            hours=tuple(hours[row.id]),
            accepts=_flags(row.accepts),
            road="road" in row.modes.split(","),
        )
        for row in rows
    }
    road: list[RoadLink] = []
    distance: dict[tuple[str, str, str], float] = {}
    for link in repo.links():
        a, b = code_of.get(link.from_terminal_id), code_of.get(link.to_terminal_id)
        if a is None or b is None:
            continue  # an inactive terminal's link (none after a load; kept safe)
        distance[(link.mode, a, b)] = link.distance_km
        if link.mode == "road":
            ta, tb = terminals[a], terminals[b]
            road.append(
                RoadLink(
                    a,
                    b,
                    link.distance_km,
                    link.time_min,
                    link.cost_per_teu_cents,
                    factors[link.emission_factor].g_co2e_per_tkm,
                    _flags(link.accepts),
                    link.route,
                    ((ta.lat, ta.lon), (tb.lat, tb.lon)),
                )
            )
    departures: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for d in repo.service_departures():
        departures[d.service_id].append(
            (d.weekday, d.departure_time.hour * 60 + d.departure_time.minute)
        )
    services = []
    for row in repo.services():
        a, b = code_of.get(row.from_terminal_id), code_of.get(row.to_terminal_id)
        if a is None or b is None:
            continue
        km = distance.get((row.mode, a, b))
        if km is None:  # older files had no rule that a service has a link; great circle then
            ta, tb = terminals[a], terminals[b]
            km = haversine_km(ta.lat, ta.lon, tb.lat, tb.lon)
        services.append(
            Service(
                code=row.code,
                mode=row.mode,
                from_code=a,
                to_code=b,
                departures=tuple(departures[row.id]),
                transit_min=row.transit_min,
                capacity_teu=row.capacity_teu,
                cutoff_min=row.cutoff_min,
                cost_per_teu_cents=row.cost_per_teu_cents,
                distance_km=km,
                g_co2e_per_tkm=factors[row.emission_factor].g_co2e_per_tkm,
                accepts=_flags(row.accepts),
                operator=row.operator,
            )
        )
    access = None
    if version.road_access is not None:
        spec = version.road_access
        named = spec.get("emission_factor")
        access = RoadAccess(
            circuity_factor=float(spec["circuity_factor"]),
            speed_kmh=float(spec["speed_kmh"]),
            access_min=int(spec["access_min"]),
            base_cost_per_teu_cents=int(spec["base_cost_per_teu_cents"]),
            cost_per_km_per_teu_cents=int(spec["cost_per_km_per_teu_cents"]),
            max_distance_km=float(spec["max_distance_km"]),
            g_co2e_per_tkm=factors[named].g_co2e_per_tkm if named else defaults["road"],
        )
    return FreightNetwork(
        timezone=version.timezone,
        currency=version.currency,
        tonnes_per_teu=version.tonnes_per_teu,
        terminals=terminals,
        road_links=tuple(road),
        services=tuple(services),
        road_access=access,
        version=f"{version.id}:{version.content_sha256[:12]}",
    )


class NetworkCache:
    """The current version's network, built once per version and shared by a process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, str] | None = None
        self._network: FreightNetwork | None = None

    def get(self, session: Session) -> tuple[FreightDatasetVersion, FreightNetwork] | None:
        """(current version, its network), or None when no data set is loaded."""
        version = FreightRepository(session).current_version()
        if version is None:
            return None
        key = (version.id, version.content_sha256)
        with self._lock:
            if self._key != key or self._network is None:
                self._network = build_network(session, version)
                self._key = key
            return version, self._network

"""Computing a finished scenario's congestion levels from its stored link results.

Called by the run in the transaction that stores the results (`routing.scenarios.run`), so a
scenario is never done without its levels; `compute_levels` may also be called again (e.g.
after the zoning rule changes): it replaces the rows.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobility.traffic.congestion.geo import is_geographic
from mobility.traffic.congestion.levels import LinkLoad, zone_load
from mobility.traffic.congestion.models import ZoneCongestion
from mobility.traffic.congestion.repository import CongestionRepository
from mobility.traffic.congestion.zoning import LinkEnds, link_zones
from mobility.traffic.models import TrafficLink, TrafficNetwork, TrafficZone
from mobility.traffic.scenarios import repository as scenarios
from mobility.traffic.scenarios.models import TrafficScenario


def compute_levels(session: Session, scenario_id: int) -> list[ZoneCongestion]:
    """Store (replacing) the congestion of every zone of the scenario's network that has
    links, from the scenario's link results; the rows, by zone id."""
    scenario = session.get_one(TrafficScenario, scenario_id)
    network = session.get_one(TrafficNetwork, scenario.network_id)
    connectors = set(
        session.scalars(
            select(TrafficLink.id).where(
                TrafficLink.network_id == network.id, TrafficLink.is_connector.is_(True)
            )
        )
    )
    # Every link places links without coordinates along the network, so a closure or a
    # centroid connector does not move the others to another zone; only open roads count.
    every = scenarios.results(session, scenario_id)
    coordinates = scenarios.node_coordinates(session, network.id)
    centroids = {
        row.zone_id: row.centroid_node
        for row in session.execute(
            select(TrafficZone.zone_id, TrafficZone.centroid_node).where(
                TrafficZone.network_id == network.id
            )
        )
    }
    zones = link_zones(
        [LinkEnds(r.from_node, r.to_node, r.length) for r in every],
        coordinates,
        centroids,
        geographic=is_geographic(network.crs, network.source_format),
    )
    loads: dict[int, list[LinkLoad]] = defaultdict(list)
    for result, zone in zip(every, zones, strict=True):
        counted = not result.closed and (result.link_id is None or result.link_id not in connectors)
        if zone is not None and counted:
            loads[zone].append(
                LinkLoad(result.volume, result.capacity, result.travel_time, result.free_flow_time)
            )
    rows = []
    for zone_id in sorted(loads):
        load = zone_load(loads[zone_id])
        x, y = coordinates.get(centroids[zone_id], (None, None))
        rows.append(
            ZoneCongestion(
                scenario_id=scenario_id,
                zone_id=zone_id,
                x=x,
                y=y,
                voc=load.voc,
                travel_time_index=load.travel_time_index,
                level=load.level,
                links=load.links,
                volume=load.volume,
            )
        )
    CongestionRepository(session).replace_zones(scenario_id, rows)
    return rows

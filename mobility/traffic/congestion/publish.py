"""Publishing a scenario's congestion to congestion-linked fares.

`publish` makes a finished scenario the active one of its period and sends ticketing, through
the outbox (topic CONGESTION_PUBLISHED; mobility never imports ticketing), the complete set of
bands of every active scenario, since ticketing replaces its congestion bands as a whole:

- each active scenario's traffic zones are grouped by the network's fare zone map (zones not
  in it are left out); a fare zone's v/c is the volume-weighted v/c of its traffic zones and
  its level follows `levels.LEVEL_THRESHOLDS`;
- the level gives basis points by the publication's `CongestionPolicy`; levels worth 0 bp
  send no band;
- the band's times and weekdays are those of the scenario's period, less the times that a
  newer publication of an overlapping period covers (the planner's latest decision holds, as
  in `service.travel_time_index`).

Publications take turns (a lock on the periods), so each message carries every publication
committed before it: two planners publishing at once cannot each send a set without the
other's bands, which ticketing would then apply last.

The message carries the publication id, so ticketing applies each publication once however
often it is delivered. Never commits.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import time

import numpy as np
from sqlalchemy.orm import Session

from mobility.outbox import enqueue
from mobility.traffic.congestion.bands import WEEK_MINUTES, Band, band_of, bands_of_mask, week_mask
from mobility.traffic.congestion.compute import compute_levels
from mobility.traffic.congestion.errors import CongestionNotPublishable
from mobility.traffic.congestion.levels import merge
from mobility.traffic.congestion.models import CongestionPublication
from mobility.traffic.congestion.repository import ActivePublication, CongestionRepository
from mobility.traffic.congestion.schemas import CongestionPolicy, PublishedBand
from mobility.traffic.models import TimePeriod
from mobility.traffic.scenarios.service import done_scenario

CONGESTION_PUBLISHED = "traffic.congestion.published"


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def bands_of(session: Session, active: ActivePublication, times: list[Band]) -> list[PublishedBand]:
    """The fare bands one active publication contributes in `times` (its period's band, less
    what newer publications cover)."""
    repo = CongestionRepository(session)
    fare_zone = repo.fare_zone_map(active.network.id)
    grouped: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for zone in repo.zones_of(active.scenario.id):
        if zone.zone_id in fare_zone:
            grouped[fare_zone[zone.zone_id]].append((zone.voc, zone.volume))
    policy = CongestionPolicy.model_validate(active.publication.policy)
    bands = []
    for fare, zones in sorted(grouped.items()):
        voc, level = merge(zones)
        bp = policy.bp(level)
        if not bp:
            continue
        for band in times:
            bands.append(
                PublishedBand(
                    zone=fare,
                    weekdays=band.weekday_names(),
                    start=_hhmm(band.start),
                    end=_hhmm(band.end),
                    adjustment_bp=bp,
                    level=level,
                    voc=round(voc, 4),
                    scenario_id=active.scenario.id,
                    period=active.period.code,
                )
            )
    return bands


def active_bands(session: Session) -> list[PublishedBand]:
    """The bands of every active publication, the newest publication's first.

    Where periods' bands overlap, the newest publication has the overlap: ticketing adds up
    every matching band, and one moment's congestion must not be charged twice.
    """
    covered = np.zeros(WEEK_MINUTES, dtype=bool)
    bands: list[PublishedBand] = []
    for active in CongestionRepository(session).active():
        period = active.period
        band = band_of(period.start_time, period.end_time, period.weekdays)
        if band is None:
            continue
        mask = week_mask(band)
        own = mask & ~covered
        covered |= mask
        if own.any():
            bands.extend(bands_of(session, active, bands_of_mask(own)))
    return bands


def _check_publishable(session: Session, scenario_id: int) -> TimePeriod:
    scenario = done_scenario(session, scenario_id)
    period = session.get_one(TimePeriod, scenario.period_code)
    if period.start_time is None or period.end_time is None or period.start_time == period.end_time:
        raise CongestionNotPublishable(
            f"period {period.code!r} has no time band: set its start and end first",
            period=period.code,
        )
    if not CongestionRepository(session).fare_zone_map(scenario.network_id):
        raise CongestionNotPublishable(
            f"network {scenario.network_id} has no fare zone map: load one first",
            network_id=scenario.network_id,
        )
    return period


def publish(
    session: Session, scenario_id: int, author: str, policy: CongestionPolicy | None = None
) -> tuple[CongestionPublication, list[PublishedBand]]:
    """Make the scenario the active one of its period and enqueue the fare bands of every
    active scenario for ticketing; the publication and the bands sent."""
    repo = CongestionRepository(session)
    repo.lock_publications()
    period = _check_publishable(session, scenario_id)
    if not repo.zones_of(scenario_id):
        compute_levels(session, scenario_id)  # a scenario run before levels existed
    publication = repo.add_publication(
        CongestionPublication(
            scenario_id=scenario_id,
            period_code=period.code,
            policy=(policy or CongestionPolicy()).model_dump(),
            published_by=author[:200],
        )
    )
    session.refresh(publication)
    bands = active_bands(session)
    enqueue(
        session,
        CONGESTION_PUBLISHED,
        {
            "publication_id": publication.id,
            "author": publication.published_by,
            "scenarios": sorted({b.scenario_id for b in bands} | {scenario_id}),
            "bands": [b.model_dump(mode="json") for b in bands],
        },
    )
    return publication, bands

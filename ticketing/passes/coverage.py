"""Which of a traveller's passes already cover a planned journey.

A ride is described in GTFS terms (feed, agency, stops, times); the tariff file maps agencies
to operators and stops (or Fares v2 areas) to zones. A pass covers a ride when it is active for
the ride's whole duration, allows the ride's operator, and, where the stops map to zones, those
zones. A stop the tariff file maps to no zone does not restrict: zones are the authority's
choice, and an unmapped stop is one it has not priced by zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ticketing.catalogue import service as catalogue
from ticketing.catalogue.config import TariffConfig
from ticketing.passes.models import Pass
from ticketing.passes.service import passes_of_account

WILDCARD = "*"


@dataclass(frozen=True)
class Ride:
    feed: str
    agency_id: str | None
    from_stop_id: str
    to_stop_id: str
    departure: datetime
    arrival: datetime


def _operator_of(config: TariffConfig, feed: str, agency_id: str | None) -> str | None:
    for operator in config.operators:
        for agency in operator.gtfs:
            if agency.feed == feed and (agency_id is None or agency.agency_id == agency_id):
                return operator.id
    return None


def _zones_of(config: TariffConfig, feed: str, stop_id: str) -> frozenset[str]:
    return frozenset(
        zone.id
        for zone in config.zones
        for source in zone.gtfs
        if source.feed == feed and stop_id in source.stops
    )


def _allows(codes: tuple[str, ...], code: str) -> bool:
    return WILDCARD in codes or code in codes


def _covers(item: Pass, config: TariffConfig, ride: Ride) -> bool:
    if item.valid_from > ride.departure or item.valid_until < ride.arrival:
        return False
    operator = _operator_of(config, ride.feed, ride.agency_id)
    if operator is None or not _allows(item.codes("operators"), operator):
        return False
    zones = item.codes("zones")
    for stop_id in (ride.from_stop_id, ride.to_stop_id):
        mapped = _zones_of(config, ride.feed, stop_id)
        if mapped and not any(_allows(zones, zone) for zone in mapped):
            return False
    return True


def covering_passes(session: Session, account_id: str, rides: Sequence[Ride]) -> list[str]:
    """Ids of the account's active passes that cover every ride (none for a walk-only trip).

    Single-use passes are left out when the journey needs more than one boarding: one entry
    would be spent on the first ride.
    """
    config = catalogue.current_config(session)
    if config is None or not rides:
        return []
    start = min(ride.departure for ride in rides)
    candidates = passes_of_account(session, account_id, active_at=start)
    return [
        item.id
        for item in candidates
        if not (item.single_use and len(rides) > 1)
        and all(_covers(item, config, ride) for ride in rides)
    ]

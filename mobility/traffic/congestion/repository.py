"""Queries of congestion levels, publications and the fare zone map."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Subquery, delete, func, select, update
from sqlalchemy.orm import Session

from mobility.traffic.congestion.models import (
    CongestionPublication,
    FareZoneMapping,
    ZoneCongestion,
)
from mobility.traffic.models import TimePeriod, TrafficNetwork
from mobility.traffic.scenarios.models import TrafficScenario


@dataclass(frozen=True, slots=True)
class ActivePublication:
    publication: CongestionPublication
    scenario: TrafficScenario
    period: TimePeriod
    network: TrafficNetwork


def latest_per_period() -> Subquery:
    """(period_code, id) of the latest publication of each period: the one in force."""
    return (
        select(
            CongestionPublication.period_code.label("period_code"),
            func.max(CongestionPublication.id).label("id"),
        )
        .group_by(CongestionPublication.period_code)
        .subquery()
    )


class CongestionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def zones_of(self, scenario_id: int) -> Sequence[ZoneCongestion]:
        return self.session.scalars(
            select(ZoneCongestion)
            .where(ZoneCongestion.scenario_id == scenario_id)
            .order_by(ZoneCongestion.zone_id)
        ).all()

    def replace_zones(self, scenario_id: int, rows: Sequence[ZoneCongestion]) -> None:
        self.session.execute(
            delete(ZoneCongestion).where(ZoneCongestion.scenario_id == scenario_id)
        )
        self.session.add_all(rows)
        self.session.flush()

    def active(self) -> list[ActivePublication]:
        """The publication in force per period (the latest one), newest first."""
        latest = select(latest_per_period().c.id).scalar_subquery()
        rows = self.session.execute(
            select(CongestionPublication, TrafficScenario, TimePeriod, TrafficNetwork)
            .join(TrafficScenario, TrafficScenario.id == CongestionPublication.scenario_id)
            .join(TimePeriod, TimePeriod.code == CongestionPublication.period_code)
            .join(TrafficNetwork, TrafficNetwork.id == TrafficScenario.network_id)
            .where(CongestionPublication.id.in_(latest))
            .order_by(CongestionPublication.id.desc())
        ).all()
        return [ActivePublication(*row) for row in rows]

    def lock_publications(self) -> None:
        """Hold every period's row until the transaction ends, so publications take turns and
        each reads the ones committed before it (SQLite: the write lock of the database)."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(
                select(TimePeriod.code).order_by(TimePeriod.code).with_for_update()
            )
        else:
            self.session.execute(update(TimePeriod).values(name=TimePeriod.name))

    def add_publication(self, publication: CongestionPublication) -> CongestionPublication:
        self.session.add(publication)
        self.session.flush()
        return publication

    def fare_zone_map(self, network_id: int) -> dict[int, str]:
        rows = self.session.scalars(
            select(FareZoneMapping).where(FareZoneMapping.network_id == network_id)
        )
        return {r.zone_id: r.fare_zone_id for r in rows}

    def replace_fare_zone_map(self, network_id: int, mapping: dict[int, str]) -> None:
        self.session.execute(
            delete(FareZoneMapping).where(FareZoneMapping.network_id == network_id)
        )
        self.session.add_all(
            FareZoneMapping(network_id=network_id, zone_id=z, fare_zone_id=f)
            for z, f in sorted(mapping.items())
        )
        self.session.flush()

"""Queries of the freight tables."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mobility.freight.models import (
    FreightDatasetVersion,
    FreightEmissionFactor,
    FreightLink,
    FreightService,
    FreightServiceDeparture,
    FreightTerminal,
    FreightTerminalHours,
    FreightTransshipmentFactor,
)


class FreightRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def current_version(self) -> FreightDatasetVersion | None:
        """The newest loaded version (a version is only written when its file is loaded)."""
        return self.session.scalars(
            select(FreightDatasetVersion).order_by(FreightDatasetVersion.id.desc()).limit(1)
        ).first()

    def terminals(self, *, include_inactive: bool = False) -> Sequence[FreightTerminal]:
        query = select(FreightTerminal).order_by(FreightTerminal.code)
        if not include_inactive:
            query = query.where(FreightTerminal.active.is_(True))
        return self.session.scalars(query).all()

    def link_and_service_counts(self) -> dict[int, tuple[int, int]]:
        """Per terminal id: links leaving it and services departing from it."""
        # `.all()`: a Result has `keys()`, so dict() would take it for a mapping.
        links: dict[int, int] = dict(
            self.session.execute(
                select(FreightLink.from_terminal_id, func.count()).group_by(
                    FreightLink.from_terminal_id
                )
            ).all()
        )
        services: dict[int, int] = dict(
            self.session.execute(
                select(FreightService.from_terminal_id, func.count()).group_by(
                    FreightService.from_terminal_id
                )
            ).all()
        )
        return {t: (links.get(t, 0), services.get(t, 0)) for t in set(links) | set(services)}

    # -- the network, as the route search reads it ------------------------------------------

    def opening_hours(self) -> Sequence[FreightTerminalHours]:
        return self.session.scalars(
            select(FreightTerminalHours).order_by(
                FreightTerminalHours.terminal_id,
                FreightTerminalHours.weekday,
                FreightTerminalHours.open_min,
            )
        ).all()

    def links(self) -> Sequence[FreightLink]:
        return self.session.scalars(select(FreightLink).order_by(FreightLink.id)).all()

    def services(self) -> Sequence[FreightService]:
        return self.session.scalars(select(FreightService).order_by(FreightService.code)).all()

    def service_departures(self) -> Sequence[FreightServiceDeparture]:
        return self.session.scalars(
            select(FreightServiceDeparture).order_by(
                FreightServiceDeparture.service_id,
                FreightServiceDeparture.weekday,
                FreightServiceDeparture.departure_time,
            )
        ).all()

    def emission_factors(self) -> Sequence[FreightEmissionFactor]:
        return self.session.scalars(select(FreightEmissionFactor)).all()

    def transshipment_factors(self) -> Sequence[FreightTransshipmentFactor]:
        return self.session.scalars(select(FreightTransshipmentFactor)).all()

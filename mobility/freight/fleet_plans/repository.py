"""Queries of fleet plans and the freight tables a plan's run reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from mobility.freight.fleet_plans.models import FleetPlan
from mobility.freight.gate_slots.hours import WeeklyHours
from mobility.freight.models import (
    FreightEmissionFactor,
    FreightLink,
    FreightTerminal,
    FreightTerminalHours,
)


@dataclass(frozen=True)
class RoadLink:
    from_terminal: int
    to_terminal: int
    distance_km: float
    time_min: int


def terminals_by_code(session: Session, codes: Sequence[str]) -> dict[str, FreightTerminal]:
    """The active terminals among `codes`, by code."""
    if not codes:
        return {}
    rows = session.scalars(
        select(FreightTerminal).where(FreightTerminal.code.in_(set(codes)), FreightTerminal.active)
    ).all()
    return {row.code: row for row in rows}


def active_terminals(session: Session) -> list[FreightTerminal]:
    return list(
        session.scalars(
            select(FreightTerminal).where(FreightTerminal.active).order_by(FreightTerminal.id)
        ).all()
    )


def road_links(session: Session) -> list[RoadLink]:
    rows = session.execute(
        select(
            FreightLink.from_terminal_id,
            FreightLink.to_terminal_id,
            FreightLink.distance_km,
            FreightLink.time_min,
        ).where(FreightLink.mode == "road")
    ).all()
    return [RoadLink(int(a), int(b), float(d), int(t)) for a, b, d, t in rows]


def hours_by_terminal(session: Session) -> dict[int, list[WeeklyHours]]:
    hours: dict[int, list[WeeklyHours]] = {}
    for terminal, weekday, open_min, close_min in session.execute(
        select(
            FreightTerminalHours.terminal_id,
            FreightTerminalHours.weekday,
            FreightTerminalHours.open_min,
            FreightTerminalHours.close_min,
        )
    ).all():
        hours.setdefault(int(terminal), []).append((int(weekday), int(open_min), int(close_min)))
    return hours


def road_emission_factor(session: Session) -> FreightEmissionFactor | None:
    """The road mode's default factor (GLEC, articulated truck) of the data set."""
    return session.scalars(
        select(FreightEmissionFactor).where(
            FreightEmissionFactor.mode == "road", FreightEmissionFactor.mode_default
        )
    ).first()


def plans_of(
    session: Session, organisation_id: str | None, offset: int, limit: int
) -> list[FleetPlan]:
    """A page of the organisation's plans (every organisation's for None), newest first."""
    query = select(FleetPlan).options(defer(FleetPlan.request))  # a list shows no request
    if organisation_id is not None:
        query = query.where(FleetPlan.organisation_id == organisation_id)
    return list(
        session.scalars(
            query.order_by(FleetPlan.created_at.desc(), FleetPlan.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
    )


def count_plans(session: Session, organisation_id: str | None) -> int:
    query = select(func.count()).select_from(FleetPlan)
    if organisation_id is not None:
        query = query.where(FleetPlan.organisation_id == organisation_id)
    return session.scalar(query) or 0

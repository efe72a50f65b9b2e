"""Queries of traffic scenarios and their link results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from mobility.traffic.models import TrafficNode
from mobility.traffic.scenarios.errors import ScenarioNotFound
from mobility.traffic.scenarios.models import ScenarioLinkResult, TrafficScenario


def get_scenario(session: Session, scenario_id: int) -> TrafficScenario:
    scenario = session.get(TrafficScenario, scenario_id)
    if scenario is None:
        raise ScenarioNotFound(f"no traffic scenario with id {scenario_id}", scenario=scenario_id)
    return scenario


def delete_results(session: Session, scenario_id: int) -> None:
    session.execute(delete(ScenarioLinkResult).where(ScenarioLinkResult.scenario_id == scenario_id))


def add_results(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(ScenarioLinkResult), list(rows))


def count_results(session: Session, scenario_id: int) -> int:
    statement = select(func.count()).where(ScenarioLinkResult.scenario_id == scenario_id)
    return int(session.scalar(statement) or 0)


def results(
    session: Session, scenario_id: int, offset: int = 0, limit: int | None = None
) -> Sequence[ScenarioLinkResult]:
    statement = (
        select(ScenarioLinkResult)
        .where(ScenarioLinkResult.scenario_id == scenario_id)
        .order_by(ScenarioLinkResult.link_index)
        .offset(offset)
        .limit(limit)
    )
    return session.scalars(statement).all()


def node_coordinates(session: Session, network_id: int) -> dict[int, tuple[float, float]]:
    """Nodes of the network that have coordinates."""
    rows = session.execute(
        select(TrafficNode.node_id, TrafficNode.x, TrafficNode.y).where(
            TrafficNode.network_id == network_id
        )
    )
    return {node: (x, y) for node, x, y in rows if x is not None and y is not None}

"""Scenario operations: create (validated against the network, run queued as a job), the
inputs of a run, and comparisons from stored results. Never commits.

The run itself (an assignment) belongs to a higher layer: creating a scenario enqueues
`SCENARIO_RUN` in the caller's transaction, for the worker (`routing.scenarios.run`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from mobility.outbox import enqueue
from mobility.traffic import repository as traffic
from mobility.traffic.errors import NetworkNotFound
from mobility.traffic.models import DemandMatrix, TimePeriod, TrafficNetwork, VehicleClass
from mobility.traffic.repository import DemandArrays, NetworkArrays
from mobility.traffic.scenarios import repository
from mobility.traffic.scenarios.changes import (
    ChangeError,
    ScenarioNetwork,
    apply_demand_changes,
    apply_network_changes,
    surge_classes,
)
from mobility.traffic.scenarios.errors import ScenarioInvalid, ScenarioNotDone
from mobility.traffic.scenarios.models import (
    ScenarioLinkResult,
    ScenarioStatus,
    TrafficScenario,
)
from mobility.traffic.scenarios.schemas import Change, ScenarioCreate

SCENARIO_RUN = "traffic.scenario.run"
_CHANGES = TypeAdapter(list[Change])
COMPARED = ("vht", "vkt", "delay_h", "co2_kg", "nox_kg")


def _network_id(session: Session, network: int | str) -> int:
    if isinstance(network, int):
        return traffic.get_network(session, network).id
    found = session.scalar(select(TrafficNetwork.id).where(TrafficNetwork.name == network))
    if found is None:
        raise NetworkNotFound(f"no road network named {network!r}", network=network)
    return found


def _classes(session: Session, network_id: int, period: str, given: list[str] | None) -> list[str]:
    if given is not None:
        return list(dict.fromkeys(given))
    return sorted(
        session.scalars(
            select(DemandMatrix.class_code).where(
                DemandMatrix.network_id == network_id, DemandMatrix.period_code == period
            )
        ).all()
    )


@dataclass(frozen=True)
class ScenarioInputs:
    """The base network, the network after the changes, and the demand (vehicles) per class."""

    base: NetworkArrays
    network: ScenarioNetwork
    demands: dict[str, DemandArrays]


def _inputs(
    session: Session,
    network_id: int,
    period: str,
    classes: Sequence[str],
    changes: Sequence[Change],
    length_unit: str,
    time_unit: str,
) -> ScenarioInputs:
    base = traffic.load_network(session, network_id)
    codes = list(dict.fromkeys([*classes, *surge_classes(changes)]))
    demands = {code: traffic.load_demand(session, network_id, code, period) for code in codes}
    return ScenarioInputs(
        base,
        apply_network_changes(base, changes, length_unit=length_unit, time_unit=time_unit),
        apply_demand_changes(demands, changes),
    )


def scenario_inputs(session: Session, scenario: TrafficScenario) -> ScenarioInputs:
    """What a run assigns: the stored changes applied to the network and demand as now."""
    return _inputs(
        session,
        scenario.network_id,
        scenario.period_code,
        scenario.classes,
        _CHANGES.validate_python(scenario.changes),
        scenario.length_unit,
        scenario.time_unit,
    )


def create_scenario(session: Session, body: ScenarioCreate, created_by: str) -> TrafficScenario:
    """Validate the scenario against its network, store it queued, and enqueue its run."""
    network_id = _network_id(session, body.network)
    if session.get(TimePeriod, body.period) is None:
        raise ScenarioInvalid(f"no time period {body.period!r}", field="period")
    classes = _classes(session, network_id, body.period, body.classes)
    if not classes:
        raise ScenarioInvalid(f"no demand on this network in period {body.period!r}")
    for code in [*classes, *surge_classes(body.changes)]:
        if session.get(VehicleClass, code) is None:
            raise ScenarioInvalid(f"no vehicle class {code!r}", field="classes")
    try:
        _inputs(
            session, network_id, body.period, classes, body.changes, body.length_unit,
            body.time_unit,
        )  # fmt: skip
    except ChangeError as exc:
        raise ScenarioInvalid(str(exc), change=exc.index) from exc
    scenario = TrafficScenario(
        name=body.name,
        network_id=network_id,
        period_code=body.period,
        classes=classes,
        changes=[c.model_dump(mode="json", by_alias=True) for c in body.changes],
        gap_target=body.gap,
        length_unit=body.length_unit,
        time_unit=body.time_unit,
        created_by=created_by,
        status=ScenarioStatus.QUEUED,
        progress=0.0,
    )
    session.add(scenario)
    session.flush()
    # Only the worker runs assignments: never delivered in the API's process after commit.
    enqueue(session, SCENARIO_RUN, {"scenario_id": scenario.id}, deliver_after_commit=False)
    return scenario


def done_scenario(session: Session, scenario_id: int) -> TrafficScenario:
    scenario = repository.get_scenario(session, scenario_id)
    if scenario.status != ScenarioStatus.DONE:
        raise ScenarioNotDone(
            f"scenario {scenario_id} is {scenario.status.value}", scenario=scenario_id
        )
    return scenario


@dataclass(frozen=True)
class LinkDifference:
    link_index: int
    from_node: int
    to_node: int
    volume_base: float
    volume_other: float
    vht_diff: float
    co2_kg_diff: float


@dataclass(frozen=True)
class StoredComparison:
    totals_base: dict[str, float]
    totals_other: dict[str, float]
    totals_diff: dict[str, float]
    top_links: list[LinkDifference]


def _numbers(totals: dict[str, Any] | None) -> dict[str, float]:
    return {k: float(v) for k, v in (totals or {}).items() if isinstance(v, int | float)}


def compare(session: Session, base_id: int, other_id: int, top: int = 10) -> StoredComparison:
    """Totals of two finished scenarios, their difference (other - base), and the `top` links
    whose volume changed most (the metrics are those the runs stored)."""
    base, other = done_scenario(session, base_id), done_scenario(session, other_id)
    t_base, t_other = _numbers(base.totals), _numbers(other.totals)
    diff = {k: t_other.get(k, 0.0) - t_base.get(k, 0.0) for k in sorted({*t_base, *t_other})}
    rows: dict[int, list[ScenarioLinkResult | None]] = {}
    for position, scenario in enumerate((base, other)):
        for row in repository.results(session, scenario.id):
            rows.setdefault(row.link_index, [None, None])[position] = row
    differences = []
    for index, (a, b) in rows.items():
        some = a or b
        assert some is not None
        differences.append(
            LinkDifference(
                link_index=index,
                from_node=some.from_node,
                to_node=some.to_node,
                volume_base=a.volume if a else 0.0,
                volume_other=b.volume if b else 0.0,
                vht_diff=(b.vht if b else 0.0) - (a.vht if a else 0.0),
                co2_kg_diff=(b.co2_kg if b else 0.0) - (a.co2_kg if a else 0.0),
            )
        )
    order = np.argsort([-abs(d.volume_other - d.volume_base) for d in differences], kind="stable")
    return StoredComparison(t_base, t_other, diff, [differences[i] for i in order[:top]])


def requeue_scenario(session: Session, scenario_id: int) -> TrafficScenario:
    """Queue a failed scenario's run again (a queued or running one is left as it is, a done
    one is final); the run is published to the worker once the caller commits."""
    scenario = repository.get_scenario(session, scenario_id)
    if scenario.status == ScenarioStatus.FAILED:
        scenario.status = ScenarioStatus.QUEUED
        scenario.error = None
        scenario.progress = 0.0
        session.flush()
        enqueue(session, SCENARIO_RUN, {"scenario_id": scenario.id})
    return scenario

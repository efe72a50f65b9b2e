"""The worker's run of a traffic scenario: load, apply the changes, assign, store per link
and per zone (congestion levels).

Delivered by the outbox at least once, so a run is idempotent: a scenario already done (or
failed) is left alone; one left `running` (a worker that died) restarts from scratch, its
partial results deleted. Progress is committed in short transactions of its own, so
`GET /v1/scenarios/{id}` shows it while the assignment runs; the results and the final state
commit together in one. A run that fails records its error on the scenario.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from mobility.db import lock_row
from mobility.traffic.congestion.compute import compute_levels
from mobility.traffic.congestion.repository import CongestionRepository
from mobility.traffic.scenarios import repository
from mobility.traffic.scenarios.models import ScenarioStatus, TrafficScenario
from mobility.traffic.scenarios.service import ScenarioInputs, scenario_inputs
from routing.algorithms.assignment import (
    AssignmentNetwork,
    AssignmentResult,
    StoppingCriterion,
    TrafficClass,
    assign,
)
from routing.algorithms.assignment.from_tntp import network_from_tntp
from routing.scenarios.metrics import LinkTable, link_metrics, totals

log = logging.getLogger(__name__)
Progress = Callable[[int, float, float], None]  # iteration, gap, fraction done
MAX_ITERATIONS = 500
PROGRESS_EVERY_S = 0.5


def reachable_pairs(net: AssignmentNetwork) -> np.ndarray:
    """``[o, d]`` True when zone ``d`` can be reached from zone ``o`` (zones below
    `first_thru` are not passed through)."""
    reach = np.zeros((net.n_zones, net.n_zones), dtype=bool)
    for origin in range(net.n_zones):
        seen = np.zeros(net.n_nodes, dtype=bool)
        seen[origin] = True
        queue = deque([origin])
        while queue:
            node = queue.popleft()
            if node != origin and node < net.first_thru:
                continue
            for k in range(net.csr_start[node], net.csr_start[node + 1]):
                head = int(net.csr_head[k])
                if not seen[head]:
                    seen[head] = True
                    queue.append(head)
        reach[origin] = seen[: net.n_zones]
    return reach


def _network(inputs: ScenarioInputs) -> AssignmentNetwork:
    return network_from_tntp(inputs.network.arrays)


def _fraction(gap: float, target: float, iteration: int) -> float:
    """How far along: the gap's progress towards the target on a log scale."""
    if gap <= target:
        return 0.99
    if gap <= 0 or gap >= 1:
        return min(0.99, iteration / MAX_ITERATIONS)
    return min(0.99, max(0.0, math.log(gap) / math.log(target)))


def _result_rows(
    scenario: TrafficScenario, inputs: ScenarioInputs, result: AssignmentResult
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """One row per base link (closed ones empty) and per added link still open, and the
    totals."""
    net, base = inputs.network, inputs.base
    arrays = net.arrays
    n = net.n_base_links + net.n_added
    src = net.source_index
    codes = list(inputs.demands)

    def column(base_values: np.ndarray, values: np.ndarray, fill: float = 0.0) -> np.ndarray:
        # Closed links keep their base values; the others (and added links) the scenario's.
        out = np.full(n, fill, dtype=np.float64)
        out[: base_values.shape[0]] = base_values
        out[src] = values
        return out

    columns = {
        name: column(getattr(base, name), getattr(arrays, name))
        for name in ("capacity", "length", "free_flow_time")
    }
    nodes = {
        "from_node": column(
            base.node_ids[base.init_node - 1], arrays.node_ids[arrays.init_node - 1]
        ),
        "to_node": column(base.node_ids[base.term_node - 1], arrays.node_ids[arrays.term_node - 1]),
    }
    ids = column(base.link_ids, arrays.link_ids, fill=-1)
    closed = np.ones(n, dtype=bool)
    closed[src] = False
    volume = column(np.zeros(base.n_links), result.volume)
    travel_time = column(base.free_flow_time, result.travel_time)
    class_volume = {
        code: column(np.zeros(base.n_links), result.class_volume[k]) for k, code in enumerate(codes)
    }
    table = LinkTable(
        index=np.arange(n),
        class_volume=class_volume,
        volume=volume,
        travel_time=travel_time,
        free_flow_time=columns["free_flow_time"],
        capacity=columns["capacity"],
        length=columns["length"],
        length_unit=scenario.length_unit,
        time_unit=scenario.time_unit,
    )
    metrics = link_metrics(table)
    rows = [
        {
            "scenario_id": scenario.id,
            "link_index": i,
            "link_id": int(ids[i]) if ids[i] >= 0 else None,
            "from_node": int(nodes["from_node"][i]),
            "to_node": int(nodes["to_node"][i]),
            "closed": bool(closed[i]),
            "volume": float(volume[i]),
            "class_volume": {code: float(class_volume[code][i]) for code in codes},
            "travel_time": float(travel_time[i]),
            "free_flow_time": float(columns["free_flow_time"][i]),
            "capacity": float(columns["capacity"][i]),
            "length": float(columns["length"][i]),
            "voc": float(metrics.voc[i]),
            "speed_kmh": None if math.isnan(metrics.speed_kmh[i]) else float(metrics.speed_kmh[i]),
            "vht": float(metrics.vht[i]),
            "vkt": float(metrics.vkt[i]),
            "delay_h": float(metrics.delay_h[i]),
            "co2_kg": float(metrics.co2_kg[i]),
            "nox_kg": float(metrics.nox_kg[i]),
        }
        for i in range(n)
        if i < net.n_base_links or not closed[i]  # an added link closed again: not a link
    ]
    return rows, totals(metrics)


def _start(factory: sessionmaker[Session], scenario_id: int) -> bool:
    """Mark the scenario running (deleting partial results); False if there is nothing to do."""
    with factory() as session:
        lock_row(session, TrafficScenario.id, scenario_id)
        scenario = session.get(TrafficScenario, scenario_id)
        if scenario is None or scenario.status in (ScenarioStatus.DONE, ScenarioStatus.FAILED):
            return False
        if scenario.status == ScenarioStatus.RUNNING:
            log.warning("scenario %d was left running: restarting it", scenario_id)
        repository.delete_results(session, scenario_id)
        CongestionRepository(session).replace_zones(scenario_id, [])
        scenario.status = ScenarioStatus.RUNNING
        scenario.started_at = datetime.now(UTC)
        scenario.finished_at = None
        scenario.progress = 0.0
        scenario.iterations = scenario.gap = scenario.error = None
        scenario.gap_history = scenario.totals = None
        session.commit()
    return True


def _set(factory: sessionmaker[Session], scenario_id: int, **values: Any) -> None:
    with factory() as session:
        session.execute(
            update(TrafficScenario).where(TrafficScenario.id == scenario_id).values(**values)
        )
        session.commit()


def run_scenario(
    session: Session,
    scenario_id: int,
    progress_cb: Progress | None = None,
    *,
    max_iterations: int = MAX_ITERATIONS,
) -> ScenarioStatus | None:
    """Run scenario `scenario_id`; its final status (None when there is no such scenario).

    `session` gives the database; the run writes in short transactions of its own, so the
    caller's transaction (the outbox delivery's) holds no lock while it runs. Progress (at
    most every `PROGRESS_EVERY_S`, and after the first iteration) is committed before
    `progress_cb(iteration, gap, fraction)` is called.
    """
    factory = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
    if not _start(factory, scenario_id):
        with factory() as s:
            found = s.get(TrafficScenario, scenario_id)
            return found.status if found is not None else None
    try:
        with factory() as s:
            scenario = s.get_one(TrafficScenario, scenario_id)
            inputs = scenario_inputs(s, scenario)
        net = _network(inputs)
        reach = reachable_pairs(net)
        classes = []
        unreachable = 0.0
        for code, demand in inputs.demands.items():
            matrix = np.where(reach, demand.matrix, 0.0)
            np.fill_diagonal(matrix, 0.0)
            off_diagonal = demand.matrix.sum() - np.trace(demand.matrix)
            unreachable += float(off_diagonal - matrix.sum())
            classes.append(TrafficClass(matrix, pce=demand.pce, name=code))
        target = scenario.gap_target
        last = [0.0]

        def on_progress(iteration: int, gap: float) -> None:
            fraction = _fraction(gap, target, iteration)
            if time.monotonic() - last[0] >= PROGRESS_EVERY_S:  # the first always commits
                last[0] = time.monotonic()
                _set(factory, scenario_id, progress=fraction, iterations=iteration, gap=gap)
            if progress_cb is not None:
                progress_cb(iteration, gap, fraction)

        result = assign(
            net,
            classes,
            method="path",
            stop=StoppingCriterion(gap=target, max_iterations=max_iterations),
            progress=on_progress,
        )
        rows, total = _result_rows(scenario, inputs, result)
        total["unreachable_trips"] = unreachable
        total["converged"] = float(result.converged)
        with factory() as s:
            repository.add_results(s, rows)
            compute_levels(s, scenario_id)  # a done scenario always has its levels
            s.execute(
                update(TrafficScenario)
                .where(TrafficScenario.id == scenario_id)
                .values(
                    status=ScenarioStatus.DONE,
                    progress=1.0,
                    iterations=result.iterations,
                    gap=result.relative_gap,
                    gap_history=[float(g) for g in result.gap_history],
                    totals=total,
                    finished_at=datetime.now(UTC),
                )
            )
            s.commit()
    except Exception as exc:  # recorded on the scenario: the caller sees why it failed
        log.exception("scenario %d failed", scenario_id)
        _set(
            factory,
            scenario_id,
            status=ScenarioStatus.FAILED,
            error=f"{exc.__class__.__name__}: {exc}"[:2000],
            finished_at=datetime.now(UTC),
        )
        return ScenarioStatus.FAILED
    return ScenarioStatus.DONE


def handle_scenario_run(session: Session, payload: Mapping[str, Any]) -> None:
    """The outbox handler of `mobility.traffic.scenarios.service.SCENARIO_RUN`."""
    run_scenario(session, int(payload["scenario_id"]))

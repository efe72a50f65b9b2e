"""OD adjustment of a stored network's demand to the counts stored for it.

The seed is the period's demand of each class (vehicles, weighed by the class's PCE in the
assignment); the observations are the mean hourly counts of the detectors mapped to the
network's links (`mobility.traffic.counts.observed`): per class where the detectors
classify, all vehicles where they do not. Pairs the network cannot connect are left out of
the seed, as a scenario run leaves them out (`run.reachable_pairs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from mobility.traffic import repository as traffic
from mobility.traffic.counts.errors import CountsSelectionInvalid
from mobility.traffic.counts.observed import ObservedCounts, observed_counts
from mobility.traffic.models import DemandMatrix
from mobility.traffic.repository import NetworkArrays
from routing.algorithms.assignment import TrafficClass
from routing.algorithms.assignment.from_tntp import network_from_tntp
from routing.algorithms.assignment.odme import OdmeParams, OdmeProgress, OdmeResult, adjust_od


@dataclass(frozen=True)
class DatabaseFit:
    result: OdmeResult
    network: NetworkArrays
    classes: list[str]
    observed: ObservedCounts
    unreachable_trips: float


def adjust_from_database(
    session: Session,
    network_id: int,
    period_code: str,
    first_day: date,
    last_day: date,
    classes: Sequence[str] | None = None,
    params: OdmeParams | None = None,
    progress: OdmeProgress | None = None,
) -> DatabaseFit:
    """Fit the period's demand (the given classes, default all with demand) to the counts
    from `first_day` to `last_day`. Raises NetworkNotFound and CountsSelectionInvalid."""
    from routing.scenarios.run import reachable_pairs  # run imports this module's helper

    arrays = traffic.load_network(session, network_id)
    codes = list(classes) if classes else sorted(
        session.scalars(
            select(DemandMatrix.class_code).where(
                DemandMatrix.network_id == network_id, DemandMatrix.period_code == period_code
            )
        ).all()
    )  # fmt: skip
    if not codes:
        raise CountsSelectionInvalid(
            f"network {network_id} has no demand in period {period_code!r} to adjust"
        )
    observed = observed_counts(session, network_id, period_code, first_day, last_day, codes)
    network = network_from_tntp(arrays)
    reach = reachable_pairs(network)
    seeds, unreachable = [], 0.0
    for code in codes:
        demand = traffic.load_demand(session, network_id, code, period_code)
        matrix = np.where(reach, demand.matrix, 0.0)
        np.fill_diagonal(matrix, 0.0)
        unreachable += float(demand.matrix.sum() - np.trace(demand.matrix) - matrix.sum())
        seeds.append(TrafficClass(matrix, pce=demand.pce, name=code))
    result = adjust_od(
        network,
        seeds,
        {},
        params,
        progress,
        class_counts=observed.by_class,
        vehicle_counts=observed.vehicles,
    )
    return DatabaseFit(result, arrays, codes, observed, unreachable)

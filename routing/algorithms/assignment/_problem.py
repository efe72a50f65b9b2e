"""The arrays both methods share: per-class costs and demand, shortest paths, the gap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np

from routing.algorithms.assignment import _bpr
from routing.algorithms.assignment._shortest_paths import all_or_nothing_parallel, load_origins
from routing.algorithms.assignment.network import AssignmentNetwork, TrafficClass

# Below this many (origin, link) pairs threads cost more to wake than they save.
PARALLEL_WORK = 200_000


class UnreachableDemand(ValueError):
    """Some OD pair with demand has no path (zones are never passed through)."""


@dataclass
class Problem:
    """A network and its classes as flat arrays, with the current link times."""

    net: AssignmentNetwork
    demand: list[np.ndarray]
    origins: list[np.ndarray]
    pce: np.ndarray
    fixed: np.ndarray  # [n_classes, n_links]
    time: np.ndarray

    @classmethod
    def build(cls, net: AssignmentNetwork, classes: Sequence[TrafficClass]) -> Problem:
        if not classes:
            raise ValueError("at least one traffic class is needed")
        demand, origins = [], []
        for k in classes:
            if k.demand.shape != (net.n_zones, net.n_zones):
                raise ValueError(
                    f"class {k.name}: demand is {k.demand.shape}, the network has "
                    f"{net.n_zones} zones"
                )
            d = k.demand.copy()
            np.fill_diagonal(d, 0.0)  # intrazonal trips use no link
            demand.append(d)
            origins.append(np.flatnonzero(d.sum(axis=1) > 0).astype(np.int64))
        return cls(
            net=net,
            demand=demand,
            origins=origins,
            pce=np.array([k.pce for k in classes], dtype=np.float64),
            fixed=np.stack([k.fixed_costs(net.n_links) for k in classes]),
            time=net.free_flow_time.copy(),
        )

    @property
    def n_classes(self) -> int:
        return int(self.pce.shape[0])

    def update_times(self, volume: np.ndarray) -> None:
        n = self.net
        _bpr.times(n.free_flow_time, n.b, n.power, n.capacity, volume, self.time)

    def derivatives(self, volume: np.ndarray) -> np.ndarray:
        n = self.net
        out = np.empty(n.n_links)
        _bpr.derivatives(n.free_flow_time, n.b, n.power, n.capacity, volume, out)
        return out

    def all_or_nothing(self, k: int, load: bool = True) -> tuple[np.ndarray, float]:
        """Class ``k``'s demand on its shortest paths at the current times; and the
        demand-weighted shortest cost."""
        n = self.net
        origins = self.origins[k]
        threads = numba.get_num_threads()
        if threads > 1 and origins.shape[0] * n.n_links >= PARALLEL_WORK:
            flows, cost, unreached = all_or_nothing_parallel(
                origins,
                self.demand[k],
                n.csr_start,
                n.csr_head,
                n.csr_link,
                n.tail,
                self.time,
                self.fixed[k],
                n.first_thru,
                load,
                threads,
            )
        else:
            flows = np.zeros(n.n_links)
            cost, unreached = load_origins(
                0,
                1,
                origins,
                self.demand[k],
                n.csr_start,
                n.csr_head,
                n.csr_link,
                n.tail,
                self.time,
                self.fixed[k],
                n.first_thru,
                load,
                flows,
            )
        if unreached:
            raise UnreachableDemand(
                f"{unreached} OD pairs with demand have no path (zones are not passed through)"
            )
        return flows, cost

    def total_cost(self, class_volume: np.ndarray) -> float:
        """``sum_k pce_k * sum_a x_ka (t_a + fixed_ka)``."""
        return float(((self.time[None, :] + self.fixed) * class_volume).sum(axis=1) @ self.pce)

    def objective(self, volume: np.ndarray, class_volume: np.ndarray) -> float:
        n = self.net
        beck = _bpr.beckmann(n.free_flow_time, n.b, n.power, n.capacity, volume)
        return float(beck + (self.fixed * class_volume).sum(axis=1) @ self.pce)

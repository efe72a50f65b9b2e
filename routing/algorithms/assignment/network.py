"""The inputs of an assignment: a road network as arrays, and the classes of traffic on it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class AssignmentNetwork:
    """Links with BPR parameters, and their forward star (CSR by tail node).

    Nodes are ``0 .. n_nodes - 1``; zones are nodes ``0 .. n_zones - 1`` (an OD matrix row or
    column ``i`` is node ``i``). Nodes below `first_thru` may start or end a path, never be
    passed through. Link ``a`` runs from ``tail[a]`` to ``head[a]`` with travel time
    ``free_flow_time[a] * (1 + b[a] * (v / capacity[a]) ** power[a])`` at PCE volume ``v``.

    Build it with :meth:`from_links`, which validates the arrays and builds the star.
    """

    n_nodes: int
    n_zones: int
    first_thru: int
    tail: np.ndarray
    head: np.ndarray
    free_flow_time: np.ndarray
    capacity: np.ndarray
    b: np.ndarray
    power: np.ndarray
    csr_start: np.ndarray = field(repr=False)
    csr_head: np.ndarray = field(repr=False)
    csr_link: np.ndarray = field(repr=False)

    @property
    def n_links(self) -> int:
        return int(self.tail.shape[0])

    @classmethod
    def from_links(
        cls,
        tail: np.ndarray,
        head: np.ndarray,
        free_flow_time: np.ndarray,
        capacity: np.ndarray,
        b: np.ndarray,
        power: np.ndarray,
        *,
        n_zones: int,
        n_nodes: int | None = None,
        first_thru: int | None = None,
    ) -> AssignmentNetwork:
        """Validate link arrays (0-based node indices) and build the forward star.

        Parameters
        ----------
        tail, head
            End nodes of each link, ``0 .. n_nodes - 1``.
        free_flow_time, capacity, b, power
            BPR parameters; non-negative and finite, capacity positive where ``b > 0``.
        n_zones
            Zones are nodes ``0 .. n_zones - 1``.
        n_nodes
            Default: one more than the largest node index.
        first_thru
            First node that may be passed through; default `n_zones` (zones never are).
        """
        tail = np.ascontiguousarray(tail, dtype=np.int64)
        head = np.ascontiguousarray(head, dtype=np.int64)
        arrays = [
            np.ascontiguousarray(x, dtype=np.float64) for x in (free_flow_time, capacity, b, power)
        ]
        n = tail.shape[0]
        if tail.ndim != 1 or any(x.shape != (n,) for x in (head, *arrays)):
            raise ValueError("link arrays must be one-dimensional and of one length")
        if n_nodes is None:
            n_nodes = int(max(tail.max(initial=-1), head.max(initial=-1))) + 1
        n_nodes = max(n_nodes, n_zones)
        if n and (min(tail.min(), head.min()) < 0 or max(tail.max(), head.max()) >= n_nodes):
            raise ValueError(f"node indices must be in 0..{n_nodes - 1}")
        fft, cap, bb, pw = arrays
        if not all(np.isfinite(x).all() and (x >= 0).all() for x in arrays):
            raise ValueError("BPR parameters must be finite and non-negative")
        if ((cap <= 0) & (bb > 0)).any():
            raise ValueError("capacity must be positive where b is positive")
        if first_thru is None:
            first_thru = n_zones
        # Links leaving a zone that may not be passed through still start paths; only their
        # use as a way through is barred, by the shortest-path kernel.
        order = np.argsort(tail, kind="stable")
        csr_start = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(tail, minlength=n_nodes), out=csr_start[1:])
        return cls(
            n_nodes=n_nodes,
            n_zones=n_zones,
            first_thru=int(first_thru),
            tail=tail,
            head=head,
            free_flow_time=fft,
            capacity=np.where(cap > 0, cap, 1.0),  # B = 0 there: capacity is never used
            b=bb,
            power=pw,
            csr_start=csr_start,
            csr_head=np.ascontiguousarray(head[order]),
            csr_link=np.ascontiguousarray(order.astype(np.int64)),
        )


@dataclass(frozen=True)
class TrafficClass:
    """One class of traffic: its OD matrix, its weight in the volume, its own link costs.

    Attributes
    ----------
    demand
        ``[n_zones, n_zones]`` vehicles from zone ``o`` (row) to zone ``d`` (column); the
        diagonal (intrazonal trips) is not assigned.
    pce
        Passenger-car equivalents of one vehicle (a truck 2.5): volume is ``sum pce * flow``.
    fixed_cost
        Per link, a cost in time units added to the travel time for this class only (toll
        times value of time, length times a distance cost); zero when omitted.
    name
        For reports.
    """

    demand: np.ndarray
    pce: float = 1.0
    fixed_cost: np.ndarray | None = None
    name: str = "car"

    def __post_init__(self) -> None:
        demand = np.asarray(self.demand, dtype=np.float64)
        if demand.ndim != 2 or demand.shape[0] != demand.shape[1]:
            raise ValueError(f"class {self.name}: the demand must be a square matrix")
        if not np.isfinite(demand).all() or (demand < 0).any():
            raise ValueError(f"class {self.name}: demand must be finite and non-negative")
        if not (np.isfinite(self.pce) and self.pce > 0):
            raise ValueError(f"class {self.name}: pce must be positive")
        object.__setattr__(self, "demand", demand)
        if self.fixed_cost is not None:
            fixed = np.ascontiguousarray(self.fixed_cost, dtype=np.float64)
            if fixed.ndim != 1 or not np.isfinite(fixed).all() or (fixed < 0).any():
                raise ValueError(f"class {self.name}: fixed costs must be finite, non-negative")
            object.__setattr__(self, "fixed_cost", fixed)

    def fixed_costs(self, n_links: int) -> np.ndarray:
        """The per-link fixed cost, zeros when the class has none."""
        if self.fixed_cost is None:
            return np.zeros(n_links)
        if self.fixed_cost.shape != (n_links,):
            raise ValueError(
                f"class {self.name}: {self.fixed_cost.shape[0]} fixed costs, {n_links} links"
            )
        return self.fixed_cost

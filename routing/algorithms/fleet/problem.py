"""The fleet problem: locations, jobs, vehicle types and pickup-delivery pairs, as integer arrays.

Every quantity is an integer in the caller's units: distances in scaled units (e.g. decimetres,
or tenths of a Solomon unit), times in scaled time units, loads in the capacity's unit. The
scale factors travel with the problem so results can be reported in the caller's units.

A node is a location index ``0..n-1``. The nodes that are a vehicle type's start or end depot
are depots; every other node is a job. Load follows the routing-library convention: visiting a
node adds ``demand[node]`` to the vehicle's load, which starts at 0 and must stay within
``[0, capacity]``. A delivery-only route (Solomon's customers) is therefore the same as loading
the total at the depot; a pickup-delivery pair is ``+q`` at the pickup and ``-q`` at the
delivery.

A node may also be closed at times within its window (a terminal's night or lunch closure,
or the days between two opening periods): `closed` lists, per node, half-open intervals
``[a, b)`` in which service cannot start.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class VehicleType:
    """Identical vehicles sharing depots, capacity, shift and costs; validates itself.

    Attributes
    ----------
    count
        Vehicles of this type available (each used at most once).
    capacity
        Load limit, in the unit of `FleetProblem.demand`.
    start_depot, end_depot
        Nodes where each route starts and ends (the same node for a round trip).
    shift_start, shift_end
        The vehicle leaves its start depot no earlier than `shift_start` and is back at its end
        depot no later than `shift_end` (time units of the problem).
    fixed_cost
        Cost of using one vehicle of this type.
    cost_per_distance, cost_per_time
        Cost per unit of distance travelled and per unit of route duration (leave to return).
    name
        A label for reports.
    """

    count: int
    capacity: int
    start_depot: int = 0
    end_depot: int = 0
    shift_start: int = 0
    shift_end: int = 2**40
    fixed_cost: int = 0
    cost_per_distance: int = 1
    cost_per_time: int = 0
    name: str = ""

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError(f"vehicle type {self.name!r}: count must be >= 0, got {self.count}")
        if self.capacity < 0:
            raise ValueError(f"vehicle type {self.name!r}: capacity must be >= 0")
        if self.shift_start > self.shift_end:
            raise ValueError(f"vehicle type {self.name!r}: shift_start is after shift_end")
        if min(self.fixed_cost, self.cost_per_distance, self.cost_per_time) < 0:
            raise ValueError(f"vehicle type {self.name!r}: costs must be >= 0")


@dataclass(frozen=True, eq=False)
class FleetProblem:
    """A vehicle routing problem with time windows, capacities and pickup-delivery pairs.

    Attributes
    ----------
    distance
        ``(n, n)`` travel distance between nodes, integer scaled units.
    duration
        ``(n, n)`` travel time between nodes, integer time units.
    demand
        ``(n,)`` load change on visiting each node (0 at depots; see the module docstring).
    time_windows
        ``(n, 2)`` earliest and latest start of service at each node; at a depot, the window
        also bounds the shifts of the vehicles based there.
    service
        ``(n,)`` service time at each node.
    vehicle_types
        The fleet; vehicle ``k`` of the solution is numbered across types in order.
    pickup_delivery
        ``(pickup, delivery)`` node pairs: both on the same route, the pickup first.
    distance_scale
        Scaled units per reported distance unit (10 for distances truncated to one decimal).
    time_scale
        Time units per reported time unit.
    names
        Optional external ids of the nodes, for reports (default: the node index).
    closed
        Per node, sorted disjoint half-open intervals ``(a, b)`` within which service may not
        start (nodes not listed are open throughout their window).
    """

    distance: IntArray
    duration: IntArray
    demand: IntArray
    time_windows: IntArray
    service: IntArray
    vehicle_types: tuple[VehicleType, ...]
    pickup_delivery: tuple[tuple[int, int], ...] = ()
    distance_scale: int = 1
    time_scale: int = 1
    names: tuple[str, ...] | None = None
    closed: Mapping[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    depots: tuple[int, ...] = field(init=False)
    jobs: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        for name in ("distance", "duration", "demand", "time_windows", "service"):
            array = np.asarray(getattr(self, name))
            if array.dtype.kind not in "iu":
                raise ValueError(f"{name} must be an integer array (scale it), got {array.dtype}")
            object.__setattr__(self, name, array.astype(np.int64, copy=False))
        n = self.demand.shape[0]
        if n < 1:
            raise ValueError("a fleet problem needs at least one node (the depot)")
        for name, shape in (
            ("distance", (n, n)),
            ("duration", (n, n)),
            ("demand", (n,)),
            ("time_windows", (n, 2)),
            ("service", (n,)),
        ):
            if getattr(self, name).shape != shape:
                raise ValueError(f"{name} has shape {getattr(self, name).shape}, expected {shape}")
        if (self.distance < 0).any() or (self.duration < 0).any():
            raise ValueError("distance and duration must be >= 0")
        if (self.service < 0).any():
            raise ValueError("service times must be >= 0")
        if not self.vehicle_types:
            raise ValueError("a fleet problem needs at least one vehicle type")
        if self.distance_scale < 1 or self.time_scale < 1:
            raise ValueError("distance_scale and time_scale must be >= 1")
        if self.names is not None and len(self.names) != n:
            raise ValueError(f"names has {len(self.names)} entries for {n} nodes")
        depots = sorted(
            {t.start_depot for t in self.vehicle_types} | {t.end_depot for t in self.vehicle_types}
        )
        for depot in depots:
            if not 0 <= depot < n:
                raise ValueError(f"depot {depot} is not a node (0..{n - 1})")
            if self.demand[depot] != 0:
                raise ValueError(f"depot {depot} has a demand")
        object.__setattr__(self, "depots", tuple(depots))
        depot_set = set(depots)
        object.__setattr__(self, "jobs", tuple(i for i in range(n) if i not in depot_set))
        self._validate_pairs(depot_set)
        self._validate_closed(depot_set)

    def _validate_closed(self, depots: set[int]) -> None:
        for node, intervals in self.closed.items():
            if not 0 <= node < self.size or node in depots:
                raise ValueError(f"closed intervals given for {node}, which is not a job")
            previous_end = None
            for start, end in intervals:
                if start >= end:
                    raise ValueError(f"node {node}: closed interval ({start}, {end}) is empty")
                if previous_end is not None and start < previous_end:
                    raise ValueError(f"node {node}: closed intervals overlap or are unsorted")
                previous_end = end

    def _validate_pairs(self, depots: set[int]) -> None:
        seen: set[int] = set()
        for pickup, delivery in self.pickup_delivery:
            for node in (pickup, delivery):
                if not 0 <= node < self.size or node in depots:
                    raise ValueError(f"pickup-delivery node {node} is not a job")
                if node in seen:
                    raise ValueError(f"job {node} is in more than one pickup-delivery pair")
                seen.add(node)
            if pickup == delivery:
                raise ValueError(f"pickup and delivery are the same node {pickup}")

    @property
    def size(self) -> int:
        """Number of nodes, depots included."""
        return int(self.demand.shape[0])

    @property
    def num_vehicles(self) -> int:
        """Vehicles available across all types."""
        return sum(t.count for t in self.vehicle_types)

    def vehicle_type_of(self, vehicle: int) -> int:
        """Index of the type of vehicle number `vehicle` (numbered across types in order)."""
        for index, vtype in enumerate(self.vehicle_types):
            if vehicle < vtype.count:
                return index
            vehicle -= vtype.count
        raise ValueError("no such vehicle")

    def name(self, node: int) -> str:
        """External id of a node."""
        return self.names[node] if self.names is not None else str(node)

    def earliest_start(self, node: int, arrival: int) -> int:
        """The first time at or after `arrival` and the window's start when `node` is open (it
        may lie past the window's end: then the node cannot be served from that arrival)."""
        moment = max(arrival, int(self.time_windows[node, 0]))
        intervals = self.closed.get(node, ())
        # The last interval starting at or before `moment` is the only one that can contain it;
        # its end may be where the next one starts (touching intervals are allowed).
        at = bisect.bisect_right(intervals, (moment, 2**62)) - 1
        while 0 <= at < len(intervals) and intervals[at][0] <= moment < intervals[at][1]:
            moment, at = intervals[at][1], at + 1
        return moment

    def latest_start_from(self, node: int, start: int) -> int:
        """The latest start of service at `node` reachable by waiting from an open `start`:
        the window's end, or the last moment before the next closure."""
        late = int(self.time_windows[node, 1])
        for closed_from, _ in self.closed.get(node, ()):
            if closed_from > start:
                return min(late, closed_from - 1)
        return late

    def is_closed(self, node: int, moment: int) -> bool:
        """True when service cannot start at `node` at `moment` because it is closed."""
        return any(a <= moment < b for a, b in self.closed.get(node, ()))

    @property
    def is_plain(self) -> bool:
        """True without pickup-delivery pairs, negative demands or closures (a plain VRPTW)."""
        return (
            not self.pickup_delivery
            and bool((self.demand >= 0).all())
            and not any(self.closed.values())
        )

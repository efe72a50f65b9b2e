"""Solomon VRPTW instances and CVRPLIB ``.sol`` files: read them, make a `FleetProblem`.

Conventions (those of CVRPLIB's best known solutions): node 0 is the depot, whose due date is
the horizon; distances are Euclidean and travel time equals distance; vehicles no more than the
file's VEHICLE NUMBER. ``trunc1`` truncates each distance to one decimal (the ``.sol`` costs,
``cvrplib_cost_trunc1``), ``exact`` keeps it to a thousandth (``..._double_distance``).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from routing.algorithms.fleet import FleetProblem, VehicleType

CONVENTIONS = {"trunc1": 10, "exact": 1000}


class SolomonFormatError(ValueError):
    """The text is not a Solomon instance or solution; the message says where."""


@dataclass(frozen=True, eq=False)
class SolomonInstance:
    """A Solomon instance as written in the file (node 0 is the depot).

    Attributes
    ----------
    name
        The instance's name (first line).
    vehicles, capacity
        VEHICLE NUMBER and CAPACITY.
    ids
        Customer numbers as in the file.
    coords
        ``(n, 2)`` x and y.
    demand, ready, due, service
        ``(n,)`` per node, as in the file.
    """

    name: str
    vehicles: int
    capacity: int
    ids: tuple[int, ...]
    coords: NDArray[np.float64]
    demand: NDArray[np.int64]
    ready: NDArray[np.int64]
    due: NDArray[np.int64]
    service: NDArray[np.int64]

    @property
    def customers(self) -> int:
        """Number of customers (the depot excluded)."""
        return len(self.ids) - 1

    def head(self, customers: int) -> SolomonInstance:
        """The depot and the first `customers` customers (e.g. the classic 25 and 50 sets)."""
        keep = slice(0, customers + 1)
        return SolomonInstance(
            self.name,
            self.vehicles,
            self.capacity,
            self.ids[keep],
            self.coords[keep],
            self.demand[keep],
            self.ready[keep],
            self.due[keep],
            self.service[keep],
        )


@dataclass(frozen=True)
class SolomonSolution:
    """A CVRPLIB solution: routes of customer numbers (depot omitted) and the stated cost."""

    routes: tuple[tuple[int, ...], ...]
    cost: float | None


def parse_solomon(text: str, source: str = "<text>") -> SolomonInstance:
    """Parse a Solomon instance.

    Raises
    ------
    SolomonFormatError
        Missing sections, malformed rows, or no depot.
    """
    lines = text.splitlines()
    name = next((line.strip() for line in lines if line.strip()), "")
    vehicles = capacity = None
    rows: list[list[str]] = []
    section = ""
    for number, line in enumerate(lines, 1):
        words = line.split()
        upper = line.upper()
        if "NUMBER" in upper and "CAPACITY" in upper:
            section = "vehicle"
        elif upper.startswith("CUST") and "XCOORD" in upper:
            section = "customer"
        elif not words or upper.strip() in ("VEHICLE", "CUSTOMER"):
            continue
        elif section == "vehicle" and vehicles is None:
            if len(words) != 2 or not all(w.isdigit() for w in words):
                raise SolomonFormatError(f"{source}:{number}: expected VEHICLE NUMBER CAPACITY")
            vehicles, capacity = int(words[0]), int(words[1])
        elif section == "customer":
            if len(words) != 7 or not all(re.fullmatch(r"-?\d+(\.\d+)?", w) for w in words):
                raise SolomonFormatError(f"{source}:{number}: expected 7 numbers, got {line!r}")
            rows.append(words)
    if vehicles is None or capacity is None:
        raise SolomonFormatError(f"{source}: no VEHICLE section (not a Solomon instance?)")
    if not rows:
        raise SolomonFormatError(f"{source}: no CUSTOMER rows (not a Solomon instance?)")
    table = np.array(rows, dtype=np.float64)
    if table[0, 0] != 0:
        raise SolomonFormatError(f"{source}: the first customer row must be the depot, 0")
    integral = table[:, [0, 3, 4, 5, 6]]
    if (integral != np.round(integral)).any():
        raise SolomonFormatError(f"{source}: ids, demands and times must be integers")
    if vehicles < 1:
        raise SolomonFormatError(f"{source}: VEHICLE NUMBER must be at least 1")
    ints = integral.astype(np.int64)
    return SolomonInstance(
        name=name,
        vehicles=vehicles,
        capacity=capacity,
        ids=tuple(int(i) for i in ints[:, 0]),
        coords=table[:, 1:3],
        demand=ints[:, 1],
        ready=ints[:, 2],
        due=ints[:, 3],
        service=ints[:, 4],
    )


def read_solomon(path: Path) -> SolomonInstance:
    """Read a Solomon instance file (see `parse_solomon`)."""
    return parse_solomon(path.read_text(encoding="utf-8", errors="replace"), str(path))


def parse_solution(text: str, source: str = "<text>") -> SolomonSolution:
    """Parse a CVRPLIB solution: ``Route #k: c1 c2 ...`` lines and ``Cost X``."""
    routes, cost = [], None
    for number, line in enumerate(text.splitlines(), 1):
        if match := re.match(r"\s*Route\s*#\d+\s*:(.*)$", line, re.IGNORECASE):
            try:
                routes.append(tuple(int(w) for w in match.group(1).split()))
            except ValueError:
                raise SolomonFormatError(f"{source}:{number}: bad route {line!r}") from None
        elif match := re.match(r"\s*Cost\s+(\S+)", line, re.IGNORECASE):
            cost = float(match.group(1))
    if not routes:
        raise SolomonFormatError(f"{source}: no 'Route #' lines")
    return SolomonSolution(tuple(routes), cost)


def read_solution(path: Path) -> SolomonSolution:
    """Read a CVRPLIB ``.sol`` file (see `parse_solution`)."""
    return parse_solution(path.read_text(encoding="utf-8", errors="replace"), str(path))


def distance_matrix(instance: SolomonInstance, convention: str = "trunc1") -> NDArray[np.int64]:
    """Euclidean distances in the convention's integer units (tenths or thousandths)."""
    scale = CONVENTIONS[convention]
    delta = instance.coords[:, None, :] - instance.coords[None, :, :]
    euclid = np.sqrt((delta**2).sum(axis=2))
    if convention == "trunc1":
        # floor(d * 10) with a tolerance, so 3.0000000001 * 10 does not lose a tenth.
        return np.floor(euclid * scale + 1e-9).astype(np.int64)
    return np.round(euclid * scale).astype(np.int64)


def to_problem(instance: SolomonInstance, convention: str = "trunc1") -> FleetProblem:
    """The instance as a `FleetProblem`, in integer units of the convention.

    Times are scaled like distances (travel time = distance), so a tenth of a unit is one
    time unit under ``trunc1``.
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {', '.join(CONVENTIONS)}")
    scale = CONVENTIONS[convention]
    matrix = distance_matrix(instance, convention)
    return FleetProblem(
        distance=matrix,
        duration=matrix,
        demand=instance.demand,
        time_windows=np.stack([instance.ready, instance.due], axis=1) * scale,
        service=instance.service * scale,
        vehicle_types=(VehicleType(count=instance.vehicles, capacity=instance.capacity),),
        distance_scale=scale,
        time_scale=scale,
        names=tuple(str(i) for i in instance.ids),
    )


def solution_cost(
    instance: SolomonInstance,
    routes: list[list[int]] | tuple[tuple[int, ...], ...],
    convention: str = "trunc1",
) -> float:
    """Distance of routes of customer numbers under the convention (truncation or float)."""
    index = {customer: i for i, customer in enumerate(instance.ids)}
    delta = instance.coords[:, None, :] - instance.coords[None, :, :]
    exact = np.sqrt((delta**2).sum(axis=2))
    scaled = distance_matrix(instance, "trunc1")
    total_exact, total_tenths = 0.0, 0
    for route in routes:
        nodes = [0, *(index[c] for c in route), 0]
        for a, b in itertools.pairwise(nodes):
            total_exact += float(exact[a, b])
            total_tenths += int(scaled[a, b])
    return total_tenths / 10 if convention == "trunc1" else total_exact

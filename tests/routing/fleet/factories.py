"""Small fleet problems: points on a plane, a depot at the origin, windows as given."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from routing.algorithms.fleet import FleetProblem, VehicleType
from tests.conftest import SHARED_DATA

DATA = Path(__file__).resolve().parent / "data"
C101_25 = DATA / "C101_25.txt"  # the depot and first 25 customers of Solomon's C101
SOLOMON = SHARED_DATA / "vrptw" / "solomon"


def shared(name: str) -> Path:
    """A file of ../shared/data/vrptw/solomon, or skip the test when it is absent."""
    path = SOLOMON / name
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/data is not beside the repository)")
    return path


def plane_problem(
    points: Sequence[tuple[int, int]],
    *,
    demand: Sequence[int] | None = None,
    windows: Sequence[tuple[int, int]] | None = None,
    service: int = 0,
    vehicles: int = 2,
    capacity: int = 10,
    pairs: tuple[tuple[int, int], ...] = (),
    horizon: int = 10_000,
) -> FleetProblem:
    """Node 0 is the depot at ``points[0]``; Manhattan distances, travel time = distance."""
    xy = np.array(points, dtype=np.int64)
    matrix = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2)
    n = len(points)
    return FleetProblem(
        distance=matrix,
        duration=matrix,
        demand=np.array(demand if demand is not None else [0] + [1] * (n - 1), dtype=np.int64),
        time_windows=np.array(windows if windows is not None else [(0, horizon)] * n),
        service=np.array([0] + [service] * (n - 1), dtype=np.int64),
        vehicle_types=(VehicleType(count=vehicles, capacity=capacity),),
        pickup_delivery=pairs,
    )

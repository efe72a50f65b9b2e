"""Static traffic assignment: time and iterations to a relative gap, ours against AequilibraE.

    .venv/bin/python benchmarks/assignment.py [--networks SiouxFalls,Anaheim,...]
        [--gaps 1e-4,1e-6] [--max-iter 1000] [--skip-bfw] [--skip-aequilibrae] [--repeat N]

On the TNTP networks of ../shared/data/tntp (SiouxFalls, Anaheim, Chicago-Sketch, Barcelona by
default) and each target gap, in one run:

- ``ours path``: `routing.algorithms.assignment.assign(method="path")`, path-based gradient
  projection;
- ``ours bfw``: the same with ``method="bfw"``, bi-conjugate Frank-Wolfe, the algorithm
  AequilibraE runs;
- ``aequilibrae bfw``: AequilibraE's `TrafficAssignment` (PyPI ``aequilibrae``), algorithm
  ``"bfw"``, same network, demand, BPR parameters, zones, gap and thread count.

The clock covers the solve call alone (ours: `assign`, numba kernels loaded beforehand by
`warm_up`; AequilibraE: `execute()`); reading the files and building AequilibraE's graph and
matrix are outside it. Both report the relative gap the same way,
``(sum x c - sum d mincost) / sum x c``. Chicago-Sketch is run with its README's generalized
cost (0.04 minutes a mile, 0.02 minutes a cent of toll) in both, and its zero free-flow times
(connectors) raised to 1e-6 minutes in both, as AequilibraE refuses zeros. Zones are blocked
as through nodes where the file's FIRST THRU NODE says so (Anaheim, Barcelona; not SiouxFalls,
Chicago).

It prints a table, with the time ratio AequilibraE / ours (> 1: ours is faster), and never
asserts. Without ../shared/data it says so and exits 0; without aequilibrae installed
(``pip install aequilibrae``) it runs ours alone.
"""

from __future__ import annotations

import os

# Both sides run OpenMP threads (numba's kernels, AequilibraE's Cython). Spinning idle threads
# are ruinous on a shared machine with more runnable processes than cores (AequilibraE took
# 30 s instead of 0.8 s on SiouxFalls at load 6), so idle threads sleep; set before either
# runtime starts.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import logging
import platform
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numba
import numpy as np

from mobility.traffic.tntp import TntpDemand, TntpNetwork, read_net, read_trips
from routing.algorithms.assignment import (
    StoppingCriterion,
    assign,
    class_from_tntp,
    generalized_cost,
    network_from_tntp,
    warm_up,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tntp"
# folder -> (net file, trips file, toll weight, distance weight) from each network's README
NETWORKS = {
    "SiouxFalls": ("SiouxFalls_net.tntp", "SiouxFalls_trips.tntp", 0.0, 0.0),
    "Anaheim": ("Anaheim_net.tntp", "Anaheim_trips.tntp", 0.0, 0.0),
    "Chicago-Sketch": ("ChicagoSketch_net.tntp", "ChicagoSketch_trips.tntp", 0.02, 0.04),
    "Barcelona": ("Barcelona_net.tntp", "Barcelona_trips.tntp", 0.0, 0.0),
    "Winnipeg": ("Winnipeg_net.tntp", "Winnipeg_trips.tntp", 0.0, 0.0),
    "Berlin-Center": ("berlin-center_net.tntp", "berlin-center_trips.tntp", 0.0, 0.0),
}
DEFAULT_NETWORKS = "SiouxFalls,Anaheim,Chicago-Sketch,Barcelona"
FREE_FLOW_FLOOR = 1e-6


@dataclass
class Run:
    seconds: float
    iterations: int
    gap: float

    def cell(self, target: float) -> str:
        """Time, iterations, final gap; ``*`` when the target gap was not reached."""
        mark = " " if self.gap <= target else "*"
        return f"{self.seconds:8.3f} s {self.iterations:5d} it {self.gap:8.1e}{mark}"


def load(name: str) -> tuple[TntpNetwork, TntpDemand, np.ndarray | None]:
    net_file, trips_file, toll, distance = NETWORKS[name]
    net = read_net(DATA / name / net_file)
    # AequilibraE refuses zero free-flow times (Chicago-Sketch's connectors); both get the floor.
    net = replace(net, free_flow_time=np.maximum(net.free_flow_time, FREE_FLOW_FLOOR))
    demand = read_trips(DATA / name / trips_file)
    return net, demand, generalized_cost(net, toll_factor=toll, distance_factor=distance)


def run_ours(
    net: TntpNetwork,
    demand: TntpDemand,
    fixed: np.ndarray | None,
    method: str,
    gap: float,
    max_iter: int,
) -> Run:
    network = network_from_tntp(net)
    traffic = class_from_tntp(demand, fixed_cost=fixed, n_zones=net.n_zones)
    started = time.perf_counter()
    result = assign(
        network,
        [traffic],
        method="path" if method == "path" else "bfw",
        stop=StoppingCriterion(gap=gap, max_iterations=max_iter),
    )
    return Run(time.perf_counter() - started, result.iterations, result.relative_gap)


def run_aequilibrae(
    net: TntpNetwork, demand: TntpDemand, fixed: np.ndarray | None, gap: float, max_iter: int
) -> Run:
    import pandas as pd
    from aequilibrae.matrix import AequilibraeMatrix
    from aequilibrae.paths import Graph, TrafficAssignment, TrafficClass

    n_zones = net.n_zones
    links = pd.DataFrame(
        {
            "link_id": np.arange(1, net.n_links + 1),
            "a_node": net.init_node,
            "b_node": net.term_node,
            "direction": np.ones(net.n_links, dtype=np.int8),
            "free_flow_time": net.free_flow_time,
            "capacity": net.capacity,
            "b": net.b,
            # AequilibraE wants powers >= 1; where B = 0 (Barcelona's, Winnipeg's connectors with
            # power 0) the power does not matter.
            "power": np.where(net.b > 0, net.power, 1.0),
            "fixed_cost": fixed if fixed is not None else np.zeros(net.n_links),
        }
    )
    graph = Graph()
    graph.network = links
    graph.prepare_graph(np.arange(1, n_zones + 1, dtype=np.int64))
    graph.set_graph("free_flow_time")
    graph.set_skimming(["free_flow_time"])
    # Zones are not passed through exactly where the TNTP file says so.
    graph.set_blocked_centroid_flows(net.first_thru_node > n_zones)

    matrix = AequilibraeMatrix()
    matrix.create_empty(zones=n_zones, matrix_names=["car"], memory_only=True)
    matrix.index[:] = np.arange(1, n_zones + 1)
    matrix.matrices[:, :, 0] = demand.matrix
    matrix.computational_view(["car"])

    traffic = TrafficClass("car", graph, matrix)
    if fixed is not None:
        traffic.set_fixed_cost("fixed_cost", 1.0)
        traffic.set_vot(1.0)
    assignment = TrafficAssignment()
    assignment.set_classes([traffic])
    assignment.set_vdf("BPR")
    assignment.set_vdf_parameters({"alpha": "b", "beta": "power"})
    assignment.set_capacity_field("capacity")
    assignment.set_time_field("free_flow_time")
    assignment.set_cores(max(1, numba.get_num_threads()))
    assignment.max_iter = max_iter
    assignment.rgap_target = gap
    assignment.set_algorithm("bfw")
    started = time.perf_counter()
    assignment.execute()
    seconds = time.perf_counter() - started
    report = assignment.report()
    return Run(seconds, int(report["iteration"].max()), float(report["rgap"].iloc[-1]))


def best(runs: list[Run]) -> Run:
    """The run of median time (iterations and gap do not vary between repeats)."""
    runs = sorted(runs, key=lambda r: r.seconds)
    return runs[len(runs) // 2] if runs else Run(float("nan"), 0, float("nan"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--networks", default=DEFAULT_NETWORKS)
    parser.add_argument("--gaps", default="1e-4,1e-6")
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--skip-bfw", action="store_true", help="not our BFW")
    parser.add_argument("--skip-aequilibrae", action="store_true")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"{DATA} is absent (../shared/data is not beside the repository): nothing to run")
        return
    aeq_version = None
    if not args.skip_aequilibrae:
        try:
            import importlib.metadata

            # Its tqdm bars would flood the table and cost time inside the clock.
            os.environ.setdefault("AEQ_SHOW_PROGRESS", "FALSE")
            import aequilibrae  # noqa: F401

            aeq_version = importlib.metadata.version("aequilibrae")
            logging.getLogger("aequilibrae").setLevel(logging.CRITICAL)
        except ImportError:
            print("aequilibrae is not installed (pip install aequilibrae): ours alone")
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{numba.get_num_threads()} threads, Python {platform.python_version()}, numba "
        f"{numba.__version__}, aequilibrae {aeq_version or '-'}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    warm_up()
    if aeq_version:
        # Its first execute() pays one-off set-up costs: keep them out of the first row.
        net, demand, fixed = load("SiouxFalls")
        run_aequilibrae(net, demand, fixed, 1e-2, 5)
    gaps = [float(g) for g in args.gaps.split(",")]
    methods = ["path"] + ([] if args.skip_bfw else ["bfw"])
    header = f"{'network':15} {'gap':>7}  " + "  ".join(
        f"{label:^30}"
        for label in [f"ours {m}" for m in methods] + (["aequilibrae bfw"] if aeq_version else [])
    )
    rows = []
    print(header)
    for name in args.networks.split(","):
        net, demand, fixed = load(name)
        for gap in gaps:
            cells: dict[str, Run] = {}
            for method in methods:
                cells[method] = best(
                    [
                        run_ours(net, demand, fixed, method, gap, args.max_iter)
                        for _ in range(args.repeat)
                    ]
                )
            if aeq_version:
                cells["aeq"] = best(
                    [
                        run_aequilibrae(net, demand, fixed, gap, args.max_iter)
                        for _ in range(args.repeat)
                    ]
                )
            line = f"{name:15} {gap:7.0e}  " + "  ".join(c.cell(gap) for c in cells.values())
            print(line, flush=True)
            rows.append((name, gap, cells))
    if aeq_version:
        print("\ntime ratio aequilibrae bfw / ours (> 1: ours faster)")
        for name, gap, cells in rows:
            ratios = "  ".join(
                f"{m}: {cells['aeq'].seconds / cells[m].seconds:7.1f}x" for m in methods
            )
            print(f"{name:15} {gap:7.0e}  {ratios}")
    print("* the target gap was not reached within --max-iter iterations")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

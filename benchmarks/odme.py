"""OD matrix estimation on Sioux Falls: how well single- and multi-class ODME fit synthetic
counts drawn from a known matrix, over several random seeds.

    .venv/bin/python benchmarks/odme.py [--seeds 10] [--counted 20] [--classified 8]
        [--spread 0.4]

For each seed: the true matrices are the TNTP car matrix and a truck matrix of 10% of it
(PCE 2.5), each cell multiplied by its own uniform factor in [1 - spread, 1 + spread]; they are
assigned to gap 1e-6 and `--counted` random links are "counted": `--classified` of them by
classifying detectors (car and truck vehicles apart), the others in total PCE. The seed of the
adjustment is the unperturbed matrices. Three runs per seed:

- ``single``: cars only (no trucks anywhere), all counts in PCE, Spiess's plain objective;
- ``multi plain``: cars and trucks, mixed counts, plain least squares;
- ``multi relative``: the same with residuals weighed by 1/count (`OdmeParams.relative`).

It prints per run the mean and worst share of observations with GEH < 5 before and after, the
mean objective left (after / before), and the mean wall time; it never asserts.
"""

from __future__ import annotations

import argparse
import time
from functools import partial
from pathlib import Path

import numpy as np

from mobility.traffic.tntp import read_net, read_trips
from routing.algorithms.assignment import (
    StoppingCriterion,
    TrafficClass,
    assign,
    class_from_tntp,
    network_from_tntp,
)
from routing.algorithms.assignment.odme import OdmeParams, adjust_od

DATA = Path(__file__).resolve().parents[1] / "data" / "tntp" / "SiouxFalls"
TRUCK_PCE = 2.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--counted", type=int, default=20)
    parser.add_argument("--classified", type=int, default=8)
    parser.add_argument("--spread", type=float, default=0.4)
    args = parser.parse_args()
    tntp = read_net(DATA / "SiouxFalls_net.tntp")
    net = network_from_tntp(tntp)
    cars = class_from_tntp(read_trips(DATA / "SiouxFalls_trips.tntp"), n_zones=tntp.n_zones)
    car = TrafficClass(cars.demand, name="car")
    truck = TrafficClass(cars.demand * 0.1, pce=TRUCK_PCE, name="truck")
    stats: dict[str, list[tuple[float, float, float, float]]] = {}
    for seed in range(args.seeds):
        rng = np.random.default_rng(seed)
        lo, hi = 1 - args.spread, 1 + args.spread
        true = [k.demand * rng.uniform(lo, hi, k.demand.shape) for k in (car, truck)]
        stop = StoppingCriterion(gap=1e-6)
        links = rng.choice(net.n_links, args.counted, replace=False)
        classified, totals = links[: args.classified], links[args.classified :]
        only_cars = assign(net, [TrafficClass(true[0])], stop=stop).volume
        both = assign(
            net,
            [TrafficClass(true[0], name="car"), TrafficClass(true[1], pce=TRUCK_PCE, name="truck")],
            stop=stop,
        )
        pce = {int(a): float(both.volume[a]) for a in totals}
        by_class = {
            name: {int(a): float(both.class_volume[k, a]) for a in classified}
            for k, name in enumerate(("car", "truck"))
        }
        single_counts = {int(a): float(only_cars[a]) for a in links}
        runs = {
            "single": partial(adjust_od, net, car, single_counts),
            "multi plain": partial(adjust_od, net, [car, truck], pce, class_counts=by_class),
            "multi relative": partial(
                adjust_od, net, [car, truck], pce, OdmeParams(relative=True),
                class_counts=by_class,
            ),
        }  # fmt: skip
        for name, run in runs.items():
            started = time.perf_counter()
            result = run()
            elapsed = time.perf_counter() - started
            left = result.objective_history[-1] / result.objective_history[0]
            stats.setdefault(name, []).append(
                (result.share_fit_before, result.share_fit_after, left, elapsed)
            )
    print(f"Sioux Falls, {args.seeds} seeds, {args.counted} counted links "
          f"({args.classified} classified), spread ±{args.spread:.0%}")  # fmt: skip
    print(f"{'run':16} {'GEH<5 before':>13} {'after (mean)':>13} {'after (worst)':>14} "
          f"{'Z left':>8} {'time':>8}")  # fmt: skip
    for name, rows in stats.items():
        a = np.array(rows)
        print(
            f"{name:16} {a[:, 0].mean():13.1%} {a[:, 1].mean():13.1%} {a[:, 1].min():14.1%} "
            f"{a[:, 2].mean():8.3f} {a[:, 3].mean():7.2f}s"
        )


if __name__ == "__main__":
    main()

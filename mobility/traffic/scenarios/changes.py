"""A scenario's changes applied to a network's arrays and demand matrices: pure functions.

The inputs are what `mobility.traffic.repository` loads; the outputs are new arrays, never the
inputs modified. Changes apply in order, so a later change sees the earlier ones (a link added
and then given a new capacity). A link is named by its end nodes (the network's node ids) or by
its index in the base network; added links get indices after the base's last one. A
`ChangeError` names the change (0-based) that cannot apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from mobility.traffic.repository import DemandArrays, NetworkArrays
from mobility.traffic.scenarios.schemas import (
    AddLink,
    Change,
    CloseLink,
    LinkRef,
    ScaleDemand,
    SetCapacity,
    SetSpeed,
    TruckSurge,
)
from mobility.traffic.tntp import LINK_COLUMNS

# Kilometres in one length unit, hours in one time unit of a network.
LENGTH_KM = {"km": 1.0, "m": 0.001, "mi": 1.609344, "ft": 0.0003048}
TIME_H = {"min": 1 / 60, "h": 1.0, "s": 1 / 3600}
# The per-link fields of `NetworkArrays`: closing a link removes it from each, adding appends.
_LINK_FIELDS = ("link_ids", *LINK_COLUMNS)


class ChangeError(ValueError):
    """Change number `index` (0-based) cannot apply to this network or demand."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(f"change {index}: {message}")
        self.index = index
        self.message = message


@dataclass(frozen=True)
class ScenarioNetwork:
    """The network after the changes.

    `source_index[a]` is the result index of link `a` of `arrays`: its base `link_index`, or
    `n_base_links + k` for the k-th added link (of `n_added`, closed ones included). `closed`
    lists the base indices removed.
    """

    arrays: NetworkArrays
    source_index: np.ndarray
    closed: tuple[int, ...]
    n_base_links: int
    n_added: int = 0


def _dense_node(arrays: NetworkArrays, node_id: int) -> int | None:
    hits = np.flatnonzero(arrays.node_ids == node_id)
    return int(hits[0]) + 1 if hits.size else None


def _find_link(arrays: NetworkArrays, source_index: np.ndarray, ref: LinkRef, index: int) -> int:
    if isinstance(ref, int):
        hits = np.flatnonzero(source_index == ref)
        if not hits.size:
            raise ChangeError(index, f"no link with index {ref} (or it was closed)")
        return int(hits[0])
    from_id, to_id = ref
    a, b = _dense_node(arrays, from_id), _dense_node(arrays, to_id)
    hits = (
        np.flatnonzero((arrays.init_node == a) & (arrays.term_node == b))
        if a is not None and b is not None
        else np.array([], dtype=np.int64)
    )
    if not hits.size:
        raise ChangeError(index, f"no link from node {from_id} to node {to_id}")
    return int(hits[0])


def _with(arrays: NetworkArrays, position: int, **values: float) -> NetworkArrays:
    updated: dict[str, Any] = {}
    for name, value in values.items():
        column = getattr(arrays, name).copy()
        column[position] = value
        updated[name] = column
    return replace(arrays, **updated)


def apply_network_changes(
    base: NetworkArrays,
    changes: Sequence[Change],
    *,
    length_unit: str = "mi",
    time_unit: str = "min",
) -> ScenarioNetwork:
    """The network with every link change of `changes` applied (demand changes skipped)."""
    arrays = base
    source = np.arange(base.n_links, dtype=np.int64)
    closed: list[int] = []
    added = 0
    for index, change in enumerate(changes):
        if isinstance(change, CloseLink):
            position = _find_link(arrays, source, change.link, index)
            if source[position] < base.n_links:
                closed.append(int(source[position]))
            keep = np.ones(arrays.n_links, dtype=bool)
            keep[position] = False
            kept: dict[str, Any] = {f: getattr(arrays, f)[keep] for f in _LINK_FIELDS}
            arrays = replace(arrays, **kept)
            source = source[keep]
        elif isinstance(change, SetCapacity):
            position = _find_link(arrays, source, change.link, index)
            value = change.value or arrays.capacity[position] * (change.factor or 1.0)
            arrays = _with(arrays, position, capacity=float(value))
        elif isinstance(change, SetSpeed):
            position = _find_link(arrays, source, change.link, index)
            length_km = arrays.length[position] * LENGTH_KM[length_unit]
            if not length_km > 0:
                raise ChangeError(index, "the link has no length: set its time instead")
            hours = length_km / change.kmh
            arrays = _with(
                arrays, position, free_flow_time=hours / TIME_H[time_unit], speed=change.kmh
            )
        elif isinstance(change, AddLink):
            a, b = _dense_node(arrays, change.from_node), _dense_node(arrays, change.to_node)
            for node, dense in ((change.from_node, a), (change.to_node, b)):
                if dense is None:
                    raise ChangeError(index, f"no node {node} in the network")
            new = {
                "link_ids": -1,
                "init_node": a,
                "term_node": b,
                "capacity": change.capacity,
                "length": change.length,
                "free_flow_time": change.free_flow_time,
                "b": change.b,
                "power": change.power,
                "speed": np.nan,
                "toll": 0.0,
                "link_type": -1,
            }
            grown: dict[str, Any] = {
                f: np.append(getattr(arrays, f), np.array([new[f]], getattr(arrays, f).dtype))
                for f in _LINK_FIELDS
            }
            arrays = replace(arrays, **grown)
            source = np.append(source, base.n_links + added)
            added += 1
    return ScenarioNetwork(arrays, source, tuple(closed), base.n_links, added)


def _zone_rows(zone_ids: np.ndarray, zones: Sequence[int], index: int) -> np.ndarray:
    rows = []
    for zone in zones:
        hits = np.flatnonzero(zone_ids == zone)
        if not hits.size:
            raise ChangeError(index, f"no zone {zone} in the network")
        rows.append(int(hits[0]))
    return np.array(rows, dtype=np.int64)


def apply_demand_changes(
    demands: Mapping[str, DemandArrays], changes: Sequence[Change]
) -> dict[str, DemandArrays]:
    """The demand of each class with every demand change of `changes` applied (vehicles)."""
    out = dict(demands)
    for index, change in enumerate(changes):
        if isinstance(change, ScaleDemand):
            classes = change.classes if change.classes is not None else list(out)
            for code in classes:
                if code not in out:
                    raise ChangeError(index, f"class {code!r} is not in this scenario")
                demand = out[code]
                matrix = demand.matrix.copy()
                if change.zones is None:
                    matrix *= change.factor
                else:
                    rows = _zone_rows(demand.zone_ids, change.zones, index)
                    matrix[rows, :] *= change.factor
                out[code] = replace(demand, matrix=matrix)
        elif isinstance(change, TruckSurge):
            if change.class_code not in out:
                raise ChangeError(index, f"class {change.class_code!r} is not in this scenario")
            demand = out[change.class_code]
            [origin] = _zone_rows(demand.zone_ids, [change.zone], index)
            shares = np.zeros(demand.n_zones)
            if change.destinations == "proportional":
                # The zone's trips of the class, else of every class, say where its trucks go.
                row = demand.matrix[origin].copy()
                if row.sum() <= 0:
                    row = sum((d.matrix[origin] for d in out.values()), np.zeros(demand.n_zones))
                row[origin] = 0.0
                if row.sum() <= 0:
                    raise ChangeError(index, f"zone {change.zone} has no trips to spread over")
                shares = row
            else:
                columns = _zone_rows(demand.zone_ids, list(change.destinations), index)
                np.add.at(shares, columns, list(change.destinations.values()))
                if shares[origin] > 0:
                    raise ChangeError(index, "a surge cannot go to its own zone")
            matrix = demand.matrix.copy()
            matrix[origin] += change.trips * shares / shares.sum()
            out[change.class_code] = replace(demand, matrix=matrix)
    return out


def surge_classes(changes: Sequence[Change]) -> list[str]:
    """Classes a truck surge adds to, which the scenario must load even without demand."""
    return [c.class_code for c in changes if isinstance(c, TruckSurge)]

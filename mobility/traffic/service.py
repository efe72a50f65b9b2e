"""Imports of road networks and demand: idempotent, all-or-nothing, never committing.

A network is identified by its name and the hash of its files. Importing the same files again
changes nothing; different files under an existing name are refused unless `replace` is set,
which keeps the network's id (what counts and scenarios refer to) and reloads everything under
it, dropping its demand matrices (their zones may be gone). Demand matrices are identified the
same way, per network, vehicle class and period, by the hash of their cells.

The caller owns the transaction (CLI: `session_scope`): an error anywhere rolls the whole
import back, so a half-loaded network is never seen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Literal

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mobility.db import insert_or_ignore, lock_row
from mobility.traffic import importer
from mobility.traffic.bulk import bulk_insert
from mobility.traffic.demand_csv import read_demand_csv
from mobility.traffic.errors import (
    DemandChanged,
    InvalidNetworkFile,
    NetworkChanged,
    NetworkNotFound,
    TimePeriodInvalid,
    VehicleClassInvalid,
)
from mobility.traffic.models import (
    DemandCell,
    DemandMatrix,
    TimePeriod,
    TrafficLink,
    TrafficNetwork,
    TrafficNode,
    TrafficZone,
    VehicleClass,
)
from mobility.traffic.tntp import read_trips

Status = Literal["created", "unchanged", "replaced"]

# A class needs its passenger-car-equivalent factor when first used; a car is one by definition.
DEFAULT_PCE = {"car": 1.0}


@dataclass(frozen=True)
class DemandImport:
    class_code: str
    period_code: str
    status: Status
    cells: int
    total_trips: float


@dataclass(frozen=True)
class NetworkImport:
    network_id: int
    name: str
    status: Status
    nodes: int
    links: int
    zones: int


# -- vehicle classes and periods -----------------------------------------------------------


def ensure_vehicle_class(
    session: Session, code: str, pce: float | None = None, name: str = ""
) -> VehicleClass:
    """The class `code`, created with `pce` (or its default) if new; a `pce` other than the
    stored one is refused, since every network's demand of the class is weighed by it."""
    if pce is not None and not pce > 0:
        raise VehicleClassInvalid(f"the PCE factor of {code!r} must be positive, not {pce}")
    existing = session.get(VehicleClass, code)
    if existing is not None:
        if pce is not None and pce != existing.pce:
            raise VehicleClassInvalid(
                f"vehicle class {code!r} has PCE {existing.pce:g}, not {pce:g}"
            )
        return existing
    pce = pce if pce is not None else DEFAULT_PCE.get(code)
    if pce is None:
        raise VehicleClassInvalid(
            f"vehicle class {code!r} is new: give its passenger-car-equivalent factor (pce)"
        )
    values = {"code": code, "name": name or code, "pce": pce}
    if not insert_or_ignore(session, VehicleClass, values, ["code"]):
        # A concurrent import created it first: its factor must agree with ours.
        return ensure_vehicle_class(session, code, pce, name)
    return session.get_one(VehicleClass, code)


def ensure_period(
    session: Session, code: str, start: time | None = None, end: time | None = None
) -> TimePeriod:
    """The period `code`, created if new; times other than the stored ones are refused."""
    if start is not None and end is not None and start == end:
        raise TimePeriodInvalid(f"period {code!r} starts and ends at {start}")
    existing = session.get(TimePeriod, code)
    if existing is not None:
        for given, stored, what in ((start, existing.start_time, "starts"),
                                    (end, existing.end_time, "ends")):  # fmt: skip
            if given is not None and given != stored:
                raise TimePeriodInvalid(f"period {code!r} {what} at {stored}, not {given}")
        return existing
    values = {"code": code, "name": code, "start_time": start, "end_time": end}
    if not insert_or_ignore(session, TimePeriod, values, ["code"]):
        return ensure_period(session, code, start, end)  # created concurrently: compare
    return session.get_one(TimePeriod, code)


# -- networks -------------------------------------------------------------------------------


def get_network(session: Session, name: str) -> TrafficNetwork:
    network = session.scalar(select(TrafficNetwork).where(TrafficNetwork.name == name))
    if network is None:
        raise NetworkNotFound(f"no road network named {name!r}", network=name)
    return network


def _counts(session: Session, network_id: int) -> tuple[int, int, int]:
    def count(model: type[TrafficNode | TrafficLink | TrafficZone]) -> int:
        statement = select(func.count()).select_from(model).where(model.network_id == network_id)
        return int(session.scalar(statement) or 0)

    return count(TrafficNode), count(TrafficLink), count(TrafficZone)


def _write_content(session: Session, network_id: int, content: importer.NetworkContent) -> None:
    bulk_insert(
        session,
        TrafficNode.__table__,  # type: ignore[arg-type]
        ("network_id", *importer.NODE_COLUMNS),
        ((network_id, *row) for row in content.nodes),
    )
    bulk_insert(
        session,
        TrafficLink.__table__,  # type: ignore[arg-type]
        ("network_id", *importer.LINK_COLUMNS),
        ((network_id, *row) for row in content.links),
    )
    bulk_insert(
        session,
        TrafficZone.__table__,  # type: ignore[arg-type]
        ("network_id", *importer.ZONE_COLUMNS),
        ((network_id, *row) for row in content.zones),
    )


def _clear_network(session: Session, network_id: int) -> None:
    # Children first, so neither database depends on cascade order among siblings.
    session.execute(delete(DemandMatrix).where(DemandMatrix.network_id == network_id))
    session.execute(delete(TrafficZone).where(TrafficZone.network_id == network_id))
    session.execute(delete(TrafficLink).where(TrafficLink.network_id == network_id))
    session.execute(delete(TrafficNode).where(TrafficNode.network_id == network_id))


def import_network(
    session: Session,
    name: str,
    content: importer.NetworkContent,
    *,
    source: str = "",
    replace: bool = False,
) -> NetworkImport:
    """Load `content` as the network `name` (see the module docstring for re-imports)."""
    if not name.strip():
        raise InvalidNetworkFile("a network needs a name")
    source = source or ", ".join(path.name for path in content.files)
    network = session.scalar(select(TrafficNetwork).where(TrafficNetwork.name == name))
    status: Status = "created"
    if network is not None:
        # Concurrent imports of one name take turns rather than interleave.
        lock_row(session, TrafficNetwork.id, network.id)
        if network.content_sha256 == content.content_sha256:
            return NetworkImport(network.id, name, "unchanged", *_counts(session, network.id))
        if not replace:
            raise NetworkChanged(
                f"network {name!r} exists with different content: pass replace to reload it",
                network=name,
            )
        _clear_network(session, network.id)
        status = "replaced"
    else:
        network = TrafficNetwork(name=name)
        session.add(network)
    network.source_format = content.source_format
    network.source = source
    network.crs = content.crs
    network.units = content.units
    network.first_thru_node = content.first_thru_node
    network.content_sha256 = content.content_sha256
    session.flush()
    _write_content(session, network.id, content)
    return NetworkImport(
        network.id, name, status, len(content.nodes), len(content.links), len(content.zones)
    )


def import_tntp_network(
    session: Session,
    name: str,
    net: Path,
    nodes: Path | None = None,
    *,
    crs: str = "",
    source: str = "",
    replace: bool = False,
) -> NetworkImport:
    return import_network(
        session, name, importer.from_tntp(net, nodes, crs=crs), source=source, replace=replace
    )


def import_gmns_network(
    session: Session, name: str, folder: Path, *, source: str = "", replace: bool = False
) -> NetworkImport:
    return import_network(session, name, importer.from_gmns(folder), source=source, replace=replace)


# -- demand -----------------------------------------------------------------------------------


def _cells_sha256(cells: Mapping[tuple[int, int], float]) -> str:
    """A hash of the matrix itself, so the same trips from TNTP or CSV are the same matrix."""
    digest = hashlib.sha256()
    digest.update(
        "".join(f"{o} {d} {trips!r}\n" for (o, d), trips in sorted(cells.items())).encode()
    )
    return digest.hexdigest()


def import_demand(
    session: Session,
    network_name: str,
    class_code: str,
    period_code: str,
    cells: Mapping[tuple[int, int], float],
    *,
    source: str = "",
    pce: float | None = None,
    period_times: tuple[time | None, time | None] = (None, None),
    replace: bool = False,
) -> DemandImport:
    """Load one matrix (non-zero cells, vehicles) of a class and period onto a network."""
    network = get_network(session, network_name)
    ensure_vehicle_class(session, class_code, pce)
    ensure_period(session, period_code, *period_times)
    zones = set(
        session.scalars(select(TrafficZone.zone_id).where(TrafficZone.network_id == network.id))
    )
    for origin, destination in cells:
        for zone in (origin, destination):
            if zone not in zones:
                raise InvalidNetworkFile(
                    f"{source or 'demand'}: zone {zone} is not a zone of network {network_name!r}",
                    file=source or None,
                )
    checksum = _cells_sha256(cells)
    total = float(sum(cells.values()))
    existing = session.scalar(
        select(DemandMatrix).where(
            DemandMatrix.network_id == network.id,
            DemandMatrix.class_code == class_code,
            DemandMatrix.period_code == period_code,
        )
    )
    status: Status = "created"
    if existing is not None:
        if existing.content_sha256 == checksum:
            return DemandImport(class_code, period_code, "unchanged", len(cells), total)
        if not replace:
            raise DemandChanged(
                f"network {network_name!r} has a different {class_code}/{period_code} matrix: "
                "pass replace to reload it",
                network=network_name,
            )
        session.delete(existing)
        session.flush()
        status = "replaced"
    matrix = DemandMatrix(
        network_id=network.id,
        class_code=class_code,
        period_code=period_code,
        source=source,
        content_sha256=checksum,
        total_trips=total,
    )
    session.add(matrix)
    session.flush()
    bulk_insert(
        session,
        DemandCell.__table__,  # type: ignore[arg-type]
        ("matrix_id", "origin", "destination", "trips"),
        ((matrix.id, o, d, trips) for (o, d), trips in cells.items()),
    )
    return DemandImport(class_code, period_code, status, len(cells), total)


def tntp_trip_cells(path: Path) -> dict[tuple[int, int], float]:
    """The non-zero cells of a TNTP trips file, by zone ids (1-based)."""
    matrix = read_trips(path).matrix
    origins, destinations = np.nonzero(matrix)
    return {
        (int(o) + 1, int(d) + 1): float(matrix[o, d])
        for o, d in zip(origins.tolist(), destinations.tolist(), strict=True)
    }


def import_tntp_trips(
    session: Session,
    network_name: str,
    path: Path,
    class_code: str,
    period_code: str,
    *,
    pce: float | None = None,
    period_times: tuple[time | None, time | None] = (None, None),
    replace: bool = False,
) -> DemandImport:
    return import_demand(
        session,
        network_name,
        class_code,
        period_code,
        tntp_trip_cells(path),
        source=path.name,
        pce=pce,
        period_times=period_times,
        replace=replace,
    )


def import_demand_csv(
    session: Session,
    network_name: str,
    path: Path,
    *,
    default_class: str = "car",
    default_period: str = "day",
    pce: Mapping[str, float] | None = None,
    period_times: Mapping[str, tuple[time | None, time | None]] | None = None,
    replace: bool = False,
) -> list[DemandImport]:
    """Every matrix of a demand CSV (see `demand_csv`); `pce` gives factors of new classes,
    `period_times` the local start and end of new periods."""
    tables = read_demand_csv(path, default_class=default_class, default_period=default_period)
    return [
        import_demand(
            session,
            network_name,
            class_code,
            period_code,
            cells,
            source=path.name,
            pce=(pce or {}).get(class_code),
            period_times=(period_times or {}).get(period_code, (None, None)),
            replace=replace,
        )
        for (class_code, period_code), cells in sorted(tables.items())
    ]

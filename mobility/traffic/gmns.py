"""Reader of a GMNS network folder (`node.csv`, `link.csv`, optional `config.csv`).

General Modeling Network Specification (zephyr-data-specs/GMNS). What is read, and how:

- `node.csv`: `node_id` (integer), `x_coord`, `y_coord` (in the `crs` of `config.csv`; empty
  is allowed and kept as unknown), optional `zone_id` and `name`. A node whose `zone_id` is set
  belongs to that zone; each zone's centroid is its node with `node_id == zone_id` if there is
  one, else the first of its nodes in the file.
- `link.csv`: `link_id`, `from_node_id`, `to_node_id`, `length` (in `long_length` units),
  `capacity` (per lane and hour, in passenger-car equivalents, as the spec defines it: the
  link's capacity is `capacity * lanes`), `lanes` (default 1), `free_speed` (in `speed`
  units), optional `link_type` (integer), `toll`, `vdf_alpha` (default 0.15), `vdf_beta`
  (default 4) and `vdf_fftt` (free-flow time in minutes, a common extension; computed from
  length and free speed when absent). A `directed` value of false is refused: an undirected
  link is two links in assignment, and which of them a count belongs to is not ours to guess.
- `config.csv` (one row): `long_length`, `speed` and `crs`. Without it, lengths are meters and
  speeds km/h, as osm2gmns writes them.

Free-flow times are minutes, as in the TNTP networks. Every problem raises
`InvalidNetworkFile` naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mobility.traffic.errors import InvalidNetworkFile

DEFAULT_VDF_ALPHA = 0.15
DEFAULT_VDF_BETA = 4.0

# Meters per unit of length; the names config.csv files are seen to use.
_LENGTH_UNITS = {
    "m": 1.0, "meter": 1.0, "meters": 1.0, "metre": 1.0, "metres": 1.0,
    "km": 1000.0, "kilometer": 1000.0, "kilometers": 1000.0, "kilometre": 1000.0,
    "mi": 1609.344, "mile": 1609.344, "miles": 1609.344,
    "ft": 0.3048, "feet": 0.3048, "foot": 0.3048,
}  # fmt: skip
# Meters per hour of one unit of speed.
_SPEED_UNITS = {
    "km/h": 1000.0, "kmh": 1000.0, "kph": 1000.0, "kmph": 1000.0,
    "mph": 1609.344, "mi/h": 1609.344,
    "m/s": 3600.0, "mps": 3600.0,
}  # fmt: skip
_TRUE = {"1", "true", "t", "yes", "y"}
_FALSE = {"0", "false", "f", "no", "n"}


@dataclass(frozen=True)
class GmnsNode:
    node_id: int
    x: float | None
    y: float | None
    zone_id: int | None
    name: str


@dataclass(frozen=True)
class GmnsLink:
    link_id: str
    from_node: int
    to_node: int
    length: float
    free_flow_time: float  # minutes
    speed: float | None
    capacity: float  # the link's, all lanes
    lanes: int
    link_type: int | None
    toll: float
    vdf_alpha: float
    vdf_beta: float


@dataclass(frozen=True)
class GmnsNetwork:
    nodes: list[GmnsNode]
    links: list[GmnsLink]
    crs: str
    length_unit: str
    speed_unit: str
    files: list[Path]  # what was read, for the content hash and provenance

    def centroids(self) -> dict[int, int]:
        """Zone id -> centroid node id, zones in ascending order."""
        members: dict[int, list[int]] = {}
        for node in self.nodes:
            if node.zone_id is not None:
                members.setdefault(node.zone_id, []).append(node.node_id)
        return {zone: zone if zone in ids else ids[0] for zone, ids in sorted(members.items())}


class _Row:
    """One CSV record with its file and line, whose typed getters fail naming both."""

    def __init__(self, path: Path, line: int, values: dict[str, str]) -> None:
        self.path, self.line, self.values = path, line, values

    def fail(self, field: str, what: str) -> InvalidNetworkFile:
        return InvalidNetworkFile(
            f"{self.path.name}, line {self.line}, {field}: {what}",
            file=str(self.path),
            line=self.line,
            field=field,
        )

    def text(self, field: str) -> str:
        return (self.values.get(field) or "").strip()

    def required_text(self, field: str) -> str:
        value = self.text(field)
        if not value:
            raise self.fail(field, "a value is required")
        return value

    def required_integer(self, field: str) -> int:
        value = self.integer(field)
        if value is None:
            raise self.fail(field, "a value is required")
        return value

    def integer(self, field: str) -> int | None:
        value = self.text(field)
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            raise self.fail(field, f"{value!r} is not an integer") from None
        # "12.0" is what spreadsheets and pandas write for an integer column with gaps.
        if not number.is_integer():
            raise self.fail(field, f"{value!r} is not an integer")
        return int(number)

    def number_or(self, field: str, default: float, *, minimum: float | None = None) -> float:
        value = self.number(field, minimum=minimum)
        return default if value is None else value

    def number(self, field: str, *, minimum: float | None = None) -> float | None:
        value = self.text(field)
        if not value or value.lower() == "nan":  # the spec's missing values: "" and NaN
            return None
        try:
            number = float(value)
        except ValueError:
            raise self.fail(field, f"{value!r} is not a number") from None
        if not math.isfinite(number):
            raise self.fail(field, f"{value!r} is not a finite number")
        if minimum is not None and number < minimum:
            raise self.fail(field, f"{value} is below {minimum:g}")
        return number


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[_Row]:
    try:
        # utf-8-sig: spreadsheets save CSV with a byte-order mark.
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidNetworkFile(
            f"{path.name}: cannot read the file ({exc.strerror or exc})", file=str(path)
        ) from exc
    with handle:
        reader = csv.DictReader(handle)
        try:
            fieldnames = reader.fieldnames
        except (csv.Error, UnicodeDecodeError) as exc:  # garbage or another encoding
            raise InvalidNetworkFile(
                f"{path.name}, line 1: not a UTF-8 CSV file ({exc})", file=str(path), line=1
            ) from exc
        header = [name.strip() for name in fieldnames or []]
        reader.fieldnames = header
        if missing := [name for name in required if name not in header]:
            raise InvalidNetworkFile(
                f"{path.name}, line 1: missing column(s) {', '.join(missing)}",
                file=str(path),
                line=1,
            )
        try:
            for values in reader:
                yield _Row(path, reader.line_num, values)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InvalidNetworkFile(
                f"{path.name}, line {reader.line_num}: {exc}", file=str(path), line=reader.line_num
            ) from exc


def _config(folder: Path) -> tuple[str, str, str]:
    """(crs, length unit, speed unit) from config.csv, or the osm2gmns defaults."""
    crs, length_unit, speed_unit = "", "meter", "km/h"
    path = folder / "config.csv"
    if not path.exists():
        return crs, length_unit, speed_unit
    for row in _rows(path, ()):
        crs = row.text("crs") or crs
        length_unit = row.text("long_length") or length_unit
        speed_unit = row.text("speed") or speed_unit
        if length_unit.lower() not in _LENGTH_UNITS:
            raise row.fail("long_length", f"unknown unit {length_unit!r}")
        if speed_unit.lower() not in _SPEED_UNITS:
            raise row.fail("speed", f"unknown unit {speed_unit!r}")
        break  # the spec's config table has a single row
    return crs, length_unit, speed_unit


def _read_nodes(path: Path) -> list[GmnsNode]:
    nodes: list[GmnsNode] = []
    seen: set[int] = set()
    for row in _rows(path, ("node_id", "x_coord", "y_coord")):
        node_id = row.required_integer("node_id")
        if node_id in seen:
            raise row.fail("node_id", f"node {node_id} is listed twice")
        seen.add(node_id)
        nodes.append(
            GmnsNode(
                node_id=node_id,
                x=row.number("x_coord"),
                y=row.number("y_coord"),
                zone_id=row.integer("zone_id"),
                name=row.text("name"),
            )
        )
    if not nodes:
        raise InvalidNetworkFile(f"{path.name}: no nodes", file=str(path))
    return nodes


def _read_link(row: _Row, meters_per_length: float, meters_per_hour: float) -> GmnsLink:
    directed = row.text("directed").lower()
    if directed in _FALSE:
        raise row.fail("directed", "undirected links are not supported: give both directions")
    if directed and directed not in _TRUE:
        raise row.fail("directed", f"{directed!r} is not a boolean")
    from_node = row.required_integer("from_node_id")
    to_node = row.required_integer("to_node_id")
    if from_node == to_node:
        raise row.fail("to_node_id", "a link from a node to itself")
    length = row.number("length", minimum=0.0)
    if length is None:
        raise row.fail("length", "a value is required")
    lanes = row.integer("lanes")
    lanes = 1 if lanes is None else lanes
    if lanes < 1:
        raise row.fail("lanes", f"{lanes} lanes: a link needs at least one")
    capacity_per_lane = row.number("capacity", minimum=0.0)
    if capacity_per_lane is None:
        raise row.fail("capacity", "a value is required")
    speed = row.number("free_speed", minimum=0.0)
    fftt = row.number("vdf_fftt", minimum=0.0)
    if fftt is None:
        if not speed:
            raise row.fail("free_speed", "a positive speed is needed when vdf_fftt is absent")
        fftt = length * meters_per_length / (speed * meters_per_hour) * 60.0
    alpha = row.number_or("vdf_alpha", DEFAULT_VDF_ALPHA, minimum=0.0)
    beta = row.number_or("vdf_beta", DEFAULT_VDF_BETA, minimum=0.0)
    if alpha > 0 and capacity_per_lane <= 0:
        raise row.fail("capacity", "capacity must be positive where vdf_alpha is")
    return GmnsLink(
        link_id=row.required_text("link_id"),
        from_node=from_node,
        to_node=to_node,
        length=length,
        free_flow_time=fftt,
        speed=speed,
        capacity=capacity_per_lane * lanes,
        lanes=lanes,
        link_type=row.integer("link_type"),
        toll=row.number_or("toll", 0.0),
        vdf_alpha=alpha,
        vdf_beta=beta,
    )


def read_gmns(folder: str | Path) -> GmnsNetwork:
    """Read the GMNS network in `folder`; links must join nodes of node.csv."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidNetworkFile(f"{folder}: not a folder of GMNS files", file=str(folder))
    crs, length_unit, speed_unit = _config(folder)
    meters_per_length = _LENGTH_UNITS[length_unit.lower()]
    meters_per_hour = _SPEED_UNITS[speed_unit.lower()]
    node_path, link_path = folder / "node.csv", folder / "link.csv"
    nodes = _read_nodes(node_path)
    known = {node.node_id for node in nodes}
    links: list[GmnsLink] = []
    seen: set[str] = set()
    for row in _rows(link_path, ("link_id", "from_node_id", "to_node_id", "length", "capacity")):
        link = _read_link(row, meters_per_length, meters_per_hour)
        if link.link_id in seen:
            raise row.fail("link_id", f"link {link.link_id} is listed twice")
        seen.add(link.link_id)
        for field, node in (("from_node_id", link.from_node), ("to_node_id", link.to_node)):
            if node not in known:
                raise row.fail(field, f"node {node} is not in node.csv")
        links.append(link)
    files = [node_path, link_path]
    if (folder / "config.csv").exists():
        files.append(folder / "config.csv")
    return GmnsNetwork(nodes, links, crs, length_unit, speed_unit, files)

"""Readers of the TNTP text formats (bstabler/TransportationNetworks): network, trips, nodes.

Pure file parsing into numpy arrays; nothing here knows about databases or assignment.

The formats, as the files in the collection write them:

- a metadata block of ``<KEY> value`` lines closed by ``<END OF METADATA>``;
- ``~`` starts a comment (the column header line of a network file is one);
- a network file has one link a line, ten numbers closed by ``;``: init node, term node,
  capacity, length, free-flow time, B, power, speed, toll, link type;
- a trips file has ``Origin N`` blocks of ``destination : flow;`` pairs, any number a line;
- a node file has a header line (``Node X Y ;``) then ``node x y`` lines, ``;`` optional.

Every problem raises :class:`~mobility.traffic.errors.InvalidNetworkFile` naming the file, the
line and what is wrong. Header counts (``NUMBER OF LINKS``, ``NUMBER OF ZONES``, ``TOTAL OD
FLOW``) are checked against the data.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mobility.traffic.errors import InvalidNetworkFile

__all__ = [
    "InvalidNetworkFile",
    "TntpDemand",
    "TntpNetwork",
    "read_net",
    "read_nodes",
    "read_trips",
]

END_OF_METADATA = "END OF METADATA"
LINK_COLUMNS = (
    "init_node",
    "term_node",
    "capacity",
    "length",
    "free_flow_time",
    "b",
    "power",
    "speed",
    "toll",
    "link_type",
)
# The header's total is printed with a few decimals; the sum of the cells may differ by rounding.
TOTAL_FLOW_RTOL = 1e-6
TOTAL_FLOW_ATOL = 0.01


@dataclass(frozen=True)
class TntpNetwork:
    """The links of a TNTP network file, one array element a link, in file order.

    Node ids are as in the file (1-based). Zones are nodes ``1 .. n_zones``; nodes below
    ``first_thru_node`` may not be passed through (only left from or arrived at).
    """

    n_zones: int
    n_nodes: int
    first_thru_node: int
    init_node: np.ndarray
    term_node: np.ndarray
    capacity: np.ndarray
    length: np.ndarray
    free_flow_time: np.ndarray
    b: np.ndarray
    power: np.ndarray
    speed: np.ndarray
    toll: np.ndarray
    link_type: np.ndarray
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def n_links(self) -> int:
        return int(self.init_node.shape[0])


@dataclass(frozen=True)
class TntpDemand:
    """An OD matrix: ``matrix[o - 1, d - 1]`` is the flow from zone ``o`` to zone ``d``."""

    n_zones: int
    matrix: np.ndarray
    total_flow: float


def _fail(path: Path, line: int | None, what: str) -> InvalidNetworkFile:
    where = f"{path}, line {line}" if line is not None else str(path)
    return InvalidNetworkFile(f"{where}: {what}", file=str(path), line=line)


def _lines(path: Path) -> list[str]:
    try:
        # utf-8-sig drops a BOM; the files are ASCII, but a stray Latin-1 byte in a comment
        # should not make a network unreadable, hence "replace".
        return path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError as exc:
        raise _fail(path, None, f"cannot read the file ({exc.strerror or exc})") from exc


def _read_metadata(path: Path, lines: list[str]) -> tuple[dict[str, str], int]:
    """The ``<KEY> value`` block and the index of the first line after it."""
    metadata: dict[str, str] = {}
    for index, raw in enumerate(lines):
        text = raw.strip()
        if not text:
            continue
        if text.startswith("~"):
            continue
        if not text.startswith("<"):
            raise _fail(
                path,
                index + 1,
                f"expected a <KEY> value metadata line (or <END OF METADATA>), found {text!r}",
            )
        close = text.find(">")
        if close < 0:
            raise _fail(path, index + 1, f"unterminated metadata key in {text!r}")
        key = text[1:close].strip().upper()
        if key == END_OF_METADATA:
            return metadata, index + 1
        metadata[key] = text[close + 1 :].strip()
    raise _fail(path, None, "no <END OF METADATA> line: this is not a TNTP file")


def _header_int(path: Path, metadata: dict[str, str], key: str) -> int:
    if key not in metadata:
        raise _fail(path, None, f"the metadata has no <{key}>")
    try:
        return int(metadata[key].split()[0])
    except (ValueError, IndexError):
        raise _fail(path, None, f"<{key}> is {metadata[key]!r}, not an integer") from None


def _header_float(path: Path, metadata: dict[str, str], key: str) -> float | None:
    if key not in metadata:
        return None
    try:
        return float(metadata[key].split()[0])
    except (ValueError, IndexError):
        raise _fail(path, None, f"<{key}> is {metadata[key]!r}, not a number") from None


def _data_lines(lines: list[str], start: int) -> Iterator[tuple[int, str]]:
    """(1-based line number, text without comment) of the non-empty lines after metadata."""
    for index in range(start, len(lines)):
        text = lines[index].split("~", 1)[0].strip()
        if text:
            yield index + 1, text


def read_net(path: str | Path) -> TntpNetwork:
    """Read a ``*_net.tntp`` network file.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    TntpNetwork
        One array element a link, in file order.

    Raises
    ------
    InvalidNetworkFile
        Missing or inconsistent headers, a malformed link line, a node id out of range, a
        negative or non-finite parameter, a non-positive capacity on a congestible link.
    """
    path = Path(path)
    lines = _lines(path)
    metadata, start = _read_metadata(path, lines)
    n_zones = _header_int(path, metadata, "NUMBER OF ZONES")
    n_nodes = _header_int(path, metadata, "NUMBER OF NODES")
    first_thru_node = _header_int(path, metadata, "FIRST THRU NODE")
    n_links = _header_int(path, metadata, "NUMBER OF LINKS")
    if not 0 < n_zones <= n_nodes:
        raise _fail(path, None, f"{n_zones} zones for {n_nodes} nodes")
    if not 1 <= first_thru_node <= n_nodes + 1:
        raise _fail(path, None, f"<FIRST THRU NODE> {first_thru_node} is not a node")
    if n_links < 0:
        raise _fail(path, None, f"<NUMBER OF LINKS> is {n_links}")

    rows: list[list[float]] = []
    numbers: list[int] = []
    for number, text in _data_lines(lines, start):
        body, terminator, rest = text.partition(";")
        if not terminator:
            raise _fail(path, number, "a link line must end with ';'")
        if rest.strip():
            raise _fail(path, number, f"unexpected text after ';': {rest.strip()!r}")
        fields = body.split()
        if len(fields) != len(LINK_COLUMNS):
            raise _fail(
                path, number, f"{len(fields)} values, expected {len(LINK_COLUMNS)} (a link line)"
            )
        try:
            values = [float(value) for value in fields]
        except ValueError:
            raise _fail(path, number, f"a value is not a number in {body.strip()!r}") from None
        rows.append(values)
        numbers.append(number)
    if len(rows) != n_links:
        raise _fail(path, None, f"<NUMBER OF LINKS> is {n_links} but the file has {len(rows)}")

    table = np.array(rows, dtype=np.float64).reshape(len(rows), len(LINK_COLUMNS))
    line_of = np.array(numbers, dtype=np.int64)
    _check_links(path, table, line_of, n_nodes)
    columns = {name: table[:, i].copy() for i, name in enumerate(LINK_COLUMNS)}
    return TntpNetwork(
        n_zones=n_zones,
        n_nodes=n_nodes,
        first_thru_node=first_thru_node,
        init_node=columns["init_node"].astype(np.int64),
        term_node=columns["term_node"].astype(np.int64),
        capacity=columns["capacity"],
        length=columns["length"],
        free_flow_time=columns["free_flow_time"],
        b=columns["b"],
        power=columns["power"],
        speed=columns["speed"],
        toll=columns["toll"],
        link_type=columns["link_type"].astype(np.int64),
        metadata=metadata,
    )


def _check_links(path: Path, table: np.ndarray, line_of: np.ndarray, n_nodes: int) -> None:
    """Vectorised checks; the first offending link is reported with its line."""

    def first_bad(mask: np.ndarray, what: str) -> None:
        bad = np.flatnonzero(mask)
        if bad.size:
            raise _fail(path, int(line_of[bad[0]]), what)

    first_bad(~np.isfinite(table).all(axis=1), "a value is not finite")
    for column, name in ((0, "init node"), (1, "term node")):
        ids = table[:, column]
        first_bad(ids != np.round(ids), f"the {name} is not an integer")
        first_bad((ids < 1) | (ids > n_nodes), f"the {name} is not in 1..{n_nodes}")
    first_bad(table[:, 0] == table[:, 1], "a link from a node to itself")
    first_bad(table[:, 9] != np.round(table[:, 9]), "the link type is not an integer")
    for column in (3, 4, 5, 6):
        first_bad(table[:, column] < 0, f"a negative {LINK_COLUMNS[column].replace('_', ' ')}")
    # A zero capacity is harmless only where the link does not congest (B = 0).
    first_bad(
        (table[:, 2] <= 0) & (table[:, 5] > 0), "capacity must be positive where B is positive"
    )
    first_bad(table[:, 2] < 0, "a negative capacity")


def read_trips(path: str | Path) -> TntpDemand:
    """Read a ``*_trips.tntp`` demand file.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    TntpDemand
        The dense matrix; cells the file does not list are zero.

    Raises
    ------
    InvalidNetworkFile
        Missing ``<NUMBER OF ZONES>``, a zone out of range, a pair listed twice, a negative or
        malformed flow, a flow before any ``Origin`` line, or a ``<TOTAL OD FLOW>`` that does
        not match the sum of the cells.
    """
    path = Path(path)
    lines = _lines(path)
    metadata, start = _read_metadata(path, lines)
    n_zones = _header_int(path, metadata, "NUMBER OF ZONES")
    if n_zones <= 0:
        raise _fail(path, None, f"<NUMBER OF ZONES> is {n_zones}")
    declared_total = _header_float(path, metadata, "TOTAL OD FLOW")
    matrix = np.zeros((n_zones, n_zones), dtype=np.float64)
    seen = np.zeros((n_zones, n_zones), dtype=np.bool_)
    origin = -1
    for number, text in _data_lines(lines, start):
        words = text.split()
        if words[0].lower() == "origin":
            if len(words) != 2:
                raise _fail(path, number, f"expected 'Origin N', found {text!r}")
            origin = _zone(path, number, words[1], n_zones, "origin")
            continue
        if origin < 0:
            raise _fail(path, number, "flows before the first 'Origin' line")
        for pair in text.split(";"):
            if not pair.strip():
                continue
            destination_text, colon, flow_text = pair.partition(":")
            if not colon:
                raise _fail(path, number, f"expected 'destination : flow;', found {pair.strip()!r}")
            destination = _zone(path, number, destination_text.strip(), n_zones, "destination")
            try:
                flow = float(flow_text)
            except ValueError:
                raise _fail(
                    path, number, f"the flow {flow_text.strip()!r} is not a number"
                ) from None
            if not math.isfinite(flow) or flow < 0:
                raise _fail(path, number, f"the flow {flow_text.strip()!r} is not a flow")
            if seen[origin, destination]:
                raise _fail(
                    path, number, f"the pair {origin + 1} -> {destination + 1} is listed twice"
                )
            seen[origin, destination] = True
            matrix[origin, destination] = flow
    total = float(matrix.sum())
    if declared_total is not None and not math.isclose(
        total, declared_total, rel_tol=TOTAL_FLOW_RTOL, abs_tol=TOTAL_FLOW_ATOL
    ):
        raise _fail(path, None, f"<TOTAL OD FLOW> is {declared_total} but the flows sum to {total}")
    return TntpDemand(n_zones=n_zones, matrix=matrix, total_flow=total)


def _zone(path: Path, number: int, text: str, n_zones: int, what: str) -> int:
    """The 0-based index of a zone id written in the file."""
    try:
        zone = int(text)
    except ValueError:
        raise _fail(path, number, f"the {what} {text!r} is not an integer") from None
    if not 1 <= zone <= n_zones:
        raise _fail(path, number, f"the {what} {zone} is not a zone (1..{n_zones})")
    return zone - 1


def read_nodes(path: str | Path) -> dict[int, tuple[float, float]]:
    """Read a ``*_node.tntp`` coordinates file: node id -> (x, y), as the file writes them.

    Raises
    ------
    InvalidNetworkFile
        A malformed line or a node listed twice.
    """
    path = Path(path)
    nodes: dict[int, tuple[float, float]] = {}
    header_seen = False
    for index, raw in enumerate(_lines(path)):
        text = raw.split("~", 1)[0].split(";", 1)[0].strip()
        if not text:
            continue
        fields = text.split()
        if not header_seen and fields[0].lower() == "node":
            header_seen = True
            continue
        if len(fields) < 3:
            raise _fail(path, index + 1, f"expected 'node x y', found {text!r}")
        try:
            node = int(fields[0])
            x, y = float(fields[1]), float(fields[2])
        except ValueError:
            raise _fail(path, index + 1, f"expected 'node x y', found {text!r}") from None
        if node in nodes:
            raise _fail(path, index + 1, f"node {node} is listed twice")
        nodes[node] = (x, y)
    return nodes

"""Reader of demand as CSV: one origin-destination pair a row, trips in vehicles.

Columns: `origin`, `destination` (zone ids of the network), `trips` (vehicles in the period,
not passenger-car equivalents: the class's PCE factor converts them), and optionally `class`
and `period` (codes), so one file can hold several matrices; where those columns are absent or
empty, the caller's defaults apply. GMNS tools' `o_zone_id`, `d_zone_id`, `volume` are read as
`origin`, `destination`, `trips`. A pair listed twice for the same class and period is an
error rather than a sum: a file that repeats a pair is more likely wrong than deliberate.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from mobility.traffic.errors import InvalidNetworkFile

REQUIRED_COLUMNS = ("origin", "destination", "trips")
# Path4GMNS/DTALite's demand.csv names, read as ours.
ALIASES = {"o_zone_id": "origin", "d_zone_id": "destination", "volume": "trips"}

# (class code, period code) -> {(origin, destination): trips}
DemandTables = dict[tuple[str, str], dict[tuple[int, int], float]]


def _fail(path: Path, line: int, what: str) -> InvalidNetworkFile:
    return InvalidNetworkFile(f"{path.name}, line {line}: {what}", file=str(path), line=line)


def _zone(path: Path, line: int, field: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _fail(path, line, f"{field}: {text!r} is not a zone id") from None


def read_demand_csv(path: str | Path, *, default_class: str, default_period: str) -> DemandTables:
    """The matrices of the file, by (class, period); zero-trip rows are kept out."""
    path = Path(path)
    tables: DemandTables = {}
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidNetworkFile(
            f"{path.name}: cannot read the file ({exc.strerror or exc})", file=str(path)
        ) from exc
    with handle:
        reader = csv.DictReader(handle)
        header = [name.strip().lower() for name in reader.fieldnames or []]
        header = [ALIASES.get(name, name) for name in header]
        reader.fieldnames = header
        if missing := [name for name in REQUIRED_COLUMNS if name not in header]:
            raise _fail(path, 1, f"missing column(s) {', '.join(missing)}")
        seen: set[tuple[str, str, int, int]] = set()
        try:
            for row in reader:
                line = reader.line_num
                origin = _zone(path, line, "origin", (row["origin"] or "").strip())
                destination = _zone(path, line, "destination", (row["destination"] or "").strip())
                text = (row["trips"] or "").strip()
                try:
                    trips = float(text)
                except ValueError:
                    raise _fail(path, line, f"trips: {text!r} is not a number") from None
                if not math.isfinite(trips) or trips < 0:
                    raise _fail(path, line, f"trips: {text!r} is not a number of trips")
                vehicle_class = (row.get("class") or "").strip() or default_class
                period = (row.get("period") or "").strip() or default_period
                key = (vehicle_class, period, origin, destination)
                if key in seen:
                    raise _fail(
                        path,
                        line,
                        f"the pair {origin} -> {destination} ({vehicle_class}, {period}) "
                        "is listed twice",
                    )
                seen.add(key)
                cells = tables.setdefault((vehicle_class, period), {})
                if trips > 0:
                    cells[(origin, destination)] = trips
        except (csv.Error, UnicodeDecodeError) as exc:
            raise _fail(path, reader.line_num, str(exc)) from exc
    if not tables:
        raise InvalidNetworkFile(f"{path.name}: no demand rows", file=str(path))
    return tables

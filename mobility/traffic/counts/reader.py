"""Reading count files: CSV with a header, any common dialect, columns by name.

Count files come from many systems (loop controllers, spreadsheets, Italian exports with `;`
and decimal commas, a UTF-8 BOM from Excel), so the dialect is sniffed and columns are found
by name (with a few usual aliases), never by position. A file that cannot be read as a whole
(not UTF-8, no header, a required column missing) raises CountsFileInvalid in one line, before
anything is stored. Each data row keeps its line number and raw text, so a rejected row can be
shown exactly as it was in the file.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mobility.traffic.counts.errors import CountsFileInvalid

# Canonical column -> accepted header names (compared lower case, spaces and '-' as '_').
COLUMNS: dict[str, tuple[str, ...]] = {
    "detector": ("detector", "detector_id", "detector_code", "station"),
    "link": ("link", "link_id"),
    "timestamp": ("timestamp", "time", "datetime", "interval_start", "start"),
    "class": ("class", "vehicle_class", "vehicle_type"),
    "count": ("count", "volume", "flow", "vehicles"),
    "speed": ("speed", "speed_kmh", "mean_speed"),
    "interval": ("interval_s", "interval", "period_s"),
}
REQUIRED = ("timestamp", "class", "count")
_DELIMITERS = ",;\t|"
_SAMPLE_CHARS = 64 * 1024


@dataclass(frozen=True, slots=True)
class RawRow:
    """One submitted observation as text, before any check: from a file line or an API item.

    `line` is the file's line number (1 = header) or the item's 1-based position in a body.
    `malformed` says why the row's fields could not be split (e.g. too many fields).
    """

    line: int
    raw: str
    detector: str = ""
    link: str = ""
    timestamp: str = ""
    vehicle_class: str = ""
    count: str = ""
    speed: str = ""
    interval: str = ""
    malformed: str | None = None


@dataclass(frozen=True, slots=True)
class CountsFile:
    """A decoded file: its name, SHA-256, dialect and column positions; iterate for rows."""

    name: str
    sha256: str
    text: str
    delimiter: str
    columns: dict[str, int]
    header: tuple[str, ...]

    def rows(self) -> Iterator[RawRow]:
        return _rows(self)


def _normalise(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _delimiter(text: str) -> str:
    """The sniffed delimiter, checked against the header line (the Sniffer can be fooled by
    decimal commas in a `;` file): a delimiter absent from the header cannot be the one."""
    header_line = text.split("\n", 1)[0]
    try:
        sniffed = csv.Sniffer().sniff(text[:_SAMPLE_CHARS], delimiters=_DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and sniffed in header_line:
        return sniffed
    best = max(_DELIMITERS, key=header_line.count)
    return best if header_line.count(best) else ","


def _columns(name: str, header: list[str]) -> dict[str, int]:
    names = [_normalise(h) for h in header]
    if duplicated := sorted({n for n in names if n and names.count(n) > 1}):
        raise CountsFileInvalid(f"{name}: the header repeats column(s) {', '.join(duplicated)}")
    columns: dict[str, int] = {}
    for canonical, aliases in COLUMNS.items():
        found = [i for i, n in enumerate(names) if n in aliases]
        if len(found) > 1:
            names_found = ", ".join(header[i] for i in found)
            raise CountsFileInvalid(f"{name}: more than one {canonical!r} column ({names_found})")
        if found:
            columns[canonical] = found[0]
    shown = ", ".join(h.strip() for h in header) or "nothing"
    if "detector" not in columns and "link" not in columns:
        raise CountsFileInvalid(f"{name}: missing column 'detector' or 'link' (header: {shown})")
    for required in REQUIRED:
        if required not in columns:
            raise CountsFileInvalid(f"{name}: missing column {required!r} (header: {shown})")
    return columns


def read_counts_text(name: str, data: bytes) -> CountsFile:
    """A counts file from its bytes; CountsFileInvalid if it cannot be read as one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CountsFileInvalid(
            f"{name}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from None
    if not text.strip():
        raise CountsFileInvalid(f"{name}: the file is empty")
    delimiter = _delimiter(text)
    header = next(csv.reader(text.splitlines()[:1], delimiter=delimiter), [])
    columns = _columns(name, header)
    return CountsFile(
        name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        text=text,
        delimiter=delimiter,
        columns=columns,
        header=tuple(header),
    )


def read_counts_file(path: Path) -> CountsFile:
    """Read and decode the file at `path`; CountsFileInvalid if it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CountsFileInvalid(f"cannot read {path}: {exc.strerror or exc}") from None
    return read_counts_text(path.name, data)


class _LineRecorder:
    """Feeds lines to csv.reader and remembers them, so a row's raw text is what the file
    held (a quoted field may span lines)."""

    def __init__(self, text: str) -> None:
        self._lines = iter(text.splitlines(keepends=True))
        self.taken: list[str] = []

    def __iter__(self) -> _LineRecorder:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken.append(line)
        return line


def _rows(file: CountsFile) -> Iterator[RawRow]:
    recorder = _LineRecorder(file.text)
    reader = csv.reader(recorder, delimiter=file.delimiter)
    next(reader)  # the header, already read
    recorder.taken.clear()
    width = len(file.header)
    cols = file.columns
    line = reader.line_num
    for fields in reader:
        first_line, line = line + 1, reader.line_num
        raw = "".join(recorder.taken).rstrip("\r\n")
        recorder.taken.clear()
        if not any(f.strip() for f in fields):
            continue  # blank lines separate nothing and carry no data
        if len(fields) != width:
            yield RawRow(
                line=first_line,
                raw=raw,
                malformed=f"{len(fields)} fields where the header has {width}",
            )
            continue

        def get(column: str, fields: list[str] = fields) -> str:
            index = cols.get(column)
            return fields[index].strip() if index is not None else ""

        yield RawRow(
            line=first_line,
            raw=raw,
            detector=get("detector"),
            link=get("link"),
            timestamp=get("timestamp"),
            vehicle_class=get("class"),
            count=get("count"),
            speed=get("speed"),
            interval=get("interval"),
        )

"""Stream the CSV files of a feed, zipped or in a folder, one row at a time.

Rows are read through the standard `csv` module (RFC 4180 quoting, CRLF) on a text stream that
drops a UTF-8 byte-order mark, so memory stays flat whatever the size of a file.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

csv.field_size_limit(16 * 1024 * 1024)


@dataclass
class FileRows:
    header: list[str]
    reader: Any  # a csv.reader: iterate for the fields, read .line_num for the line
    position: Callable[[], int]  # bytes read so far (uncompressed), for progress
    size: int


class FeedSourceError(Exception):
    """The path is neither a readable zip nor a folder of GTFS files."""


class FeedSource:
    """A feed on disk: a `.zip` (files at its root or in one sub-folder) or a directory."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._zip: zipfile.ZipFile | None = None
        self._members: dict[str, str] = {}
        if self.path.is_dir():
            self._members = {p.name: p.name for p in self.path.iterdir() if p.is_file()}
        elif self.path.is_file():
            try:
                self._zip = zipfile.ZipFile(self.path)
            except zipfile.BadZipFile as exc:
                raise FeedSourceError(f"{self.path}: not a zip file ({exc})") from exc
            self._members = self._zip_members(self._zip)
        else:
            raise FeedSourceError(f"{self.path}: no such file or directory")

    @staticmethod
    def _zip_members(zf: zipfile.ZipFile) -> dict[str, str]:
        members: dict[str, str] = {}
        for info in zf.infolist():
            if info.is_dir() or "__MACOSX" in info.filename:
                continue
            name = PurePosixPath(info.filename).name
            # Files at the root win over the same name in a sub-folder.
            if name not in members or "/" not in info.filename:
                members[name] = info.filename
        return members

    def names(self) -> list[str]:
        return sorted(self._members)

    def has(self, name: str) -> bool:
        return name in self._members

    def size(self, name: str) -> int:
        member = self._members[name]
        if self._zip is not None:
            return self._zip.getinfo(member).file_size
        return (self.path / member).stat().st_size

    @contextmanager
    def open_text(self, name: str) -> Iterator[io.TextIOWrapper]:
        """The file as text; `utf-8-sig` drops a BOM, `newline=''` leaves CRLF to `csv`."""
        member = self._members[name]
        raw: IO[bytes]
        if self._zip is not None:
            raw = self._zip.open(member)
        else:
            raw = open(self.path / member, "rb")
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        try:
            yield text
        finally:
            text.close()

    @contextmanager
    def rows(self, name: str) -> Iterator[FileRows]:
        """The header (stripped names), the csv reader positioned on the first row, and progress."""
        with self.open_text(name) as text:
            raw: Any = text.buffer  # a ZipExtFile or a file: both tell() uncompressed bytes
            reader = csv.reader(text)
            try:
                header = next(reader)
            except StopIteration:
                header = []

            yield FileRows([h.strip() for h in header], reader, raw.tell, self.size(name))

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> FeedSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

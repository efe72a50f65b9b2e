"""Reading count files: dialects, BOM, columns by name, one-line errors for unusable files."""

from __future__ import annotations

import pytest

from mobility.traffic.counts.errors import CountsFileInvalid
from mobility.traffic.counts.reader import read_counts_text


def test_semicolon_bom_and_aliases() -> None:
    """An Excel export (BOM, `;`, decimal commas, other column names and order) is read by
    header name; line numbers count the header as line 1."""
    data = (
        "\ufeffVehicle Class;Station;Interval Start;Volume;Speed_kmh\r\n"
        "car;D1;2026-11-20T08:00:00+01:00;12;50,5\r\n"
    ).encode()
    file = read_counts_text("x.csv", data)
    assert file.delimiter == ";"
    (row,) = list(file.rows())
    assert (row.line, row.detector, row.vehicle_class, row.count, row.speed) == (
        2, "D1", "car", "12", "50,5",
    )  # fmt: skip
    assert row.raw == "car;D1;2026-11-20T08:00:00+01:00;12;50,5"


def test_link_column_tabs_and_quoted_multiline() -> None:
    """Tabs are sniffed; a quoted field spanning lines keeps its raw text and first line;
    a row with the wrong number of fields is malformed, not dropped; blank lines are skipped."""
    text = (
        "link\ttimestamp\tclass\tcount\n"
        "7\t2026-11-20T08:00:00Z\tcar\t3\n"
        "\n"
        '"8\n9"\t2026-11-20T08:00:00Z\tcar\t4\n'
        "7\t2026-11-20T08:15:00Z\tcar\n"
    )
    rows = list(read_counts_text("t.tsv", text.encode()).rows())
    assert [r.line for r in rows] == [2, 4, 6]
    assert rows[0].link == "7"
    assert rows[0].detector == ""
    assert rows[1].raw == '"8\n9"\t2026-11-20T08:00:00Z\tcar\t4'
    assert rows[2].malformed == "3 fields where the header has 4"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("detector,timestamp,class\nD1,x,car\n", "x.csv: missing column 'count' (header: "),
        ("timestamp,class,count\n", "x.csv: missing column 'detector' or 'link'"),
        ("detector,detector_id,timestamp,class,count\n", "more than one 'detector' column"),
        ("detector,class,class,count,time\n", "the header repeats column(s) class"),
        ("  \n", "x.csv: the file is empty"),
    ],
)
def test_file_level_errors_are_one_line(text: str, message: str) -> None:
    """A file that cannot be read as counts fails as a whole, with one line naming the file."""
    with pytest.raises(CountsFileInvalid) as caught:
        read_counts_text("x.csv", text.encode())
    assert message in caught.value.detail
    assert "\n" not in caught.value.detail


def test_not_utf8() -> None:
    """Latin-1 bytes are a file-level error that says what to do."""
    with pytest.raises(CountsFileInvalid, match="not UTF-8"):
        read_counts_text(
            "x.csv", "detector,timestamp,class,count\nVi\xe0,x,car,1\n".encode("latin-1")
        )

"""Print locust's `--csv` statistics as a Markdown table: requests/s, p50/p95/p99 and failures
per endpoint, then the totals (`python loadtests/summary.py RUN/locust_stats.csv`)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

COLUMNS = ("Requests/s", "50%", "95%", "99%")


def rows(stats_csv: Path) -> list[dict[str, str]]:
    with stats_csv.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def table(stats: list[dict[str, str]]) -> str:
    lines = [
        "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | failures |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in sorted(stats, key=lambda r: (r["Name"] == "Aggregated", r["Name"], r["Type"])):
        name = "**all**" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        rate, p50, p95, p99 = (row[c] for c in COLUMNS)
        lines.append(
            f"| {name} | {row['Request Count']} | {float(rate):.1f} | {p50} | {p95} | {p99} "
            f"| {row['Failure Count']} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: summary.py LOCUST_STATS_CSV\n")
        return 2
    path = Path(argv[1])
    try:
        text = table(rows(path))
    except OSError as exc:
        sys.stderr.write(f"cannot read {path}: {exc.strerror or exc}\n")
        return 1
    except (KeyError, ValueError, csv.Error) as exc:
        sys.stderr.write(f"{path} is not locust's stats CSV: {exc}\n")
        return 1
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

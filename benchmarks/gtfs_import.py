"""GTFS import benchmark: our importer against peers, on the same feed, in the same run.

    .venv/bin/python benchmarks/gtfs_import.py [--feed PATH] [--repeat N] [--skip-peers]

Measures `gtfs.importer.import_feed` into SQLite (temp file) and PostgreSQL (a fresh database
per run), partridge and gtfs-kit loading the feed into pandas DataFrames, a naive pandas
`read_csv` + `to_sql` load into SQLite, and node-gtfs `importGtfs` into SQLite (when
NODE_GTFS_DIR points at a folder where the npm package `gtfs` is installed). Then it imports a
synthetic feed twice the size to show whether peak memory grows with the feed.

Every measured run is a child process of its own (this script with the hidden `--child` mode,
or `node`), so `ru_maxrss` is that run's peak and not the largest of all runs so far.
It prints, never asserts: timing belongs in benchmarks, not in tests.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import os
import platform
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Run as a script, sys.path[0] is benchmarks/; the child needs the repo's packages.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_FEED = SHARED_DATA / "gtfs" / "lt_vilnius_2015-16.zip"
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TARGET_PG_STOP_TIMES_PER_S = 150_000
CHILD_TIMEOUT_S = 1800
# The columns suffixed in the copy of each trip. block_id too: a copy sharing its original's
# block would overlap it in time, an error (block_trips_with_overlapping_stop_times).
DOUBLED_FILES = {"trips.txt": ("trip_id", "block_id"), "stop_times.txt": ("trip_id",)}
DOUBLED_SUFFIX = "_x2"
# gtfs >= 4.18.7 requires node >= 22; 4.18.0 is the newest that runs on node 20.
NODE_GTFS_HINT = "npm install --prefix $NODE_GTFS_DIR gtfs@4.18.0"

# Kept minimal and timed inside node, so node start-up and module loading are excluded,
# as library imports are for the Python runs.
NODE_SCRIPT = r"""
import { pathToFileURL } from 'node:url';
const [entry, feed, db] = process.argv.slice(2);
const { importGtfs } = await import(pathToFileURL(entry).href);
const cpu = () => {
  const u = process.resourceUsage();
  return (u.userCPUTime + u.systemCPUTime) / 1e6;
};
const base = process.memoryUsage().rss / 1048576;
const cpu0 = cpu();
const t0 = performance.now();
await importGtfs({ agencies: [{ path: feed }], sqlitePath: db, verbose: false });
const seconds = (performance.now() - t0) / 1000;
console.log('RESULT ' + JSON.stringify({
  seconds, cpu_seconds: cpu() - cpu0, base_rss_mb: base,
  peak_rss_mb: process.resourceUsage().maxRSS / 1024,
}));
"""


@dataclass
class Run:
    """One measured run (or the aggregate of --repeat runs of the same job)."""

    label: str
    seconds: float = 0.0
    best_seconds: float = 0.0  # the fastest of the repeats: least disturbed by other load
    cpu_seconds: float = 0.0
    server_cpu_seconds: float = 0.0  # the PostgreSQL backend serving the import
    rows: int = 0
    stop_times: int = 0
    peak_rss_mb: float = 0.0
    base_rss_mb: float = 0.0
    load1: float = 0.0
    error: str = ""
    failed_repeats: list[str] = field(default_factory=list)  # errors of repeats left out

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def stop_times_per_s(self) -> float:
        return self.stop_times / self.seconds if self.seconds else 0.0


# -- child side: one job per process ------------------------------------------------------


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _process_cpu_seconds(pid: int) -> float:
    """utime + stime of another process on this machine (the PostgreSQL backend)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(job: Callable[[], tuple[int, int]], server_pid: int | None = None) -> dict[str, float]:
    """Time `job` (returns rows, stop_times); its libraries are already imported."""
    # The current RSS, not the peak so far: importing libraries leaves a transient peak that
    # would hide what the job itself adds.
    base, cpu0 = _current_rss_mb(), _cpu_seconds()
    server0 = _process_cpu_seconds(server_pid) if server_pid else 0.0
    started = time.perf_counter()
    rows, stop_times = job()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "server_cpu_seconds": _process_cpu_seconds(server_pid) - server0 if server_pid else 0.0,
        "cpu_seconds": _cpu_seconds() - cpu0,
        "rows": rows,
        "stop_times": stop_times,
        "base_rss_mb": base,
        "peak_rss_mb": _maxrss_mb(),
    }


def _txt_members(feed: str) -> list[str]:
    with zipfile.ZipFile(feed) as zf:
        return [n for n in zf.namelist() if n.endswith(".txt") and "/" not in n]


def _child_ours(spec: dict[str, str]) -> dict[str, float]:
    from gtfs.importer import import_feed
    from mobility.db import make_engine

    engine = make_engine(spec["db_url"])
    with engine.connect() as conn:  # open the pool's connection outside the timed part
        raw = conn.connection.driver_connection
        # The backend that will serve the import (the pool hands the same connection back),
        # when it runs on this machine: its CPU is the other half of a PostgreSQL import.
        pid = getattr(getattr(raw, "info", None), "backend_pid", None)
        server_pid = pid if pid and Path(f"/proc/{pid}/stat").exists() else None

    def job() -> tuple[int, int]:
        result = import_feed(engine, spec["feed"], "bench")
        return result.total_rows, result.row_counts.get("stop_times.txt", 0)

    return _measure(job, server_pid)


def _child_partridge(spec: dict[str, str]) -> dict[str, float]:
    import partridge as ptg

    def job() -> tuple[int, int]:
        # load_feed (not load_raw_feed): its default config types the columns, the closest
        # thing partridge has to our typed, validated load. It also prunes unreferenced rows.
        feed = ptg.load_feed(spec["feed"])
        frames = {name: feed.get(name) for name in _txt_members(spec["feed"])}
        stop_times = frames.get("stop_times.txt")
        return sum(len(df) for df in frames.values()), 0 if stop_times is None else len(stop_times)

    return _measure(job)


def _child_gtfs_kit(spec: dict[str, str]) -> dict[str, float]:
    import gtfs_kit
    from gtfs_kit import constants

    def job() -> tuple[int, int]:
        feed = gtfs_kit.read_feed(spec["feed"], dist_units="km")
        # read_feed is eager today; touching a cell keeps the figure honest if it ever turns lazy.
        _ = feed.stop_times["arrival_time"].iloc[-1]
        frames = [getattr(feed, table, None) for table in constants.DTYPES]
        return sum(len(df) for df in frames if df is not None), len(feed.stop_times)

    return _measure(job)


def _child_pandas_to_sql(spec: dict[str, str]) -> dict[str, float]:
    import pandas as pd

    def job() -> tuple[int, int]:
        # The obvious pandas load: strings in, strings out, no types, keys or validation.
        counts: dict[str, int] = {}
        con = sqlite3.connect(spec["sqlite_path"])
        with zipfile.ZipFile(spec["feed"]) as zf:
            for name in _txt_members(spec["feed"]):
                counts[name] = 0
                with zf.open(name) as fh:
                    chunks = pd.read_csv(
                        fh,
                        dtype=str,
                        keep_default_na=False,
                        encoding="utf-8-sig",
                        chunksize=100_000,
                    )
                    for chunk in chunks:
                        chunk.to_sql(
                            name.removesuffix(".txt"), con, if_exists="append", index=False
                        )
                        counts[name] += len(chunk)
        con.commit()
        con.close()
        return sum(counts.values()), counts.get("stop_times.txt", 0)

    return _measure(job)


CHILD_JOBS: dict[str, Callable[[dict[str, str]], dict[str, float]]] = {
    "ours": _child_ours,
    "partridge": _child_partridge,
    "gtfs_kit": _child_gtfs_kit,
    "pandas_to_sql": _child_pandas_to_sql,
}


def child_main(spec_json: str) -> int:
    spec = json.loads(spec_json)
    try:
        result = CHILD_JOBS[spec["kind"]](spec)
    except Exception as exc:
        # One line for the report: a traceback's last line can be SQLAlchemy's "Background" link.
        first = (str(exc).strip().splitlines() or [""])[0]
        print("ERROR " + json.dumps(f"{type(exc).__module__}.{type(exc).__name__}: {first}"))
        raise
    print("RESULT " + json.dumps(result), flush=True)
    return 0


# -- parent side: launching children --------------------------------------------------------


def _load1() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def _child_error(proc: subprocess.CompletedProcess[str]) -> str:
    reported = [ln for ln in proc.stdout.splitlines() if ln.startswith("ERROR ")]
    if reported:
        return str(json.loads(reported[-1].removeprefix("ERROR ")))
    lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
    # node ends its report with its version line; the exception line is the informative one.
    errors = [ln for ln in lines if re.match(r"^[\w.]*(Error|Exception)\b.*:", ln)]
    return (errors or lines or [f"exit status {proc.returncode}"])[-1]


def _parse_result(label: str, proc: subprocess.CompletedProcess[str], load1: float) -> Run:
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        return Run(label, load1=load1, error=_child_error(proc))
    data = json.loads(lines[-1].removeprefix("RESULT "))
    names = (
        "seconds",
        "cpu_seconds",
        "server_cpu_seconds",
        "rows",
        "stop_times",
        "peak_rss_mb",
        "base_rss_mb",
    )
    run = Run(label, load1=load1, **{k: data[k] for k in names if k in data})
    run.best_seconds = run.seconds
    return run


def run_python_child(label: str, spec: dict[str, str]) -> Run:
    load1 = _load1()
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        cwd=REPO_ROOT,
        check=False,
    )
    return _parse_result(label, proc, load1)


def node_gtfs_entry() -> tuple[Path | None, str]:
    """node-gtfs's ESM entry point and version, or None and why it is skipped."""
    folder = os.environ.get("NODE_GTFS_DIR")
    if not folder:
        return None, f"NODE_GTFS_DIR is not set (set up with: {NODE_GTFS_HINT})"
    if shutil.which("node") is None:
        return None, "no `node` on PATH"
    package = Path(folder) / "node_modules" / "gtfs" / "package.json"
    if not package.is_file():
        return None, f"{package} not found (set up with: {NODE_GTFS_HINT})"
    meta = json.loads(package.read_text())
    # The package is ESM-only with an "exports" map, so require.resolve cannot find it.
    entry = meta.get("exports", {}).get(".", {}).get("import") or meta.get("main", "index.js")
    return package.parent / entry, meta.get("version", "?")


def _sqlite_counts(path: Path) -> tuple[int, int]:
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()
    return sum(counts.values()), counts.get("stop_times", 0)


def run_node_gtfs(entry: Path, feed: Path, workdir: Path) -> Run:
    script, db = workdir / "node_gtfs_bench.mjs", workdir / "node_gtfs.sqlite"
    script.write_text(NODE_SCRIPT)
    load1 = _load1()
    proc = subprocess.run(
        ["node", str(script), str(entry), str(feed), str(db)],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    run = _parse_result("node-gtfs -> SQLite", proc, load1)
    if not run.error:
        # Counted after the clock stopped: node-gtfs reports no row counts of its own.
        run.rows, run.stop_times = _sqlite_counts(db)
    _remove_sqlite(db)
    return run


# -- databases ------------------------------------------------------------------------------


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _migrate(url: str) -> None:
    from mobility.db import make_engine
    from mobility.migrate import upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


_db_counter = itertools.count(1)


@contextmanager
def fresh_sqlite(workdir: Path) -> Iterator[str]:
    path = workdir / f"ours_{next(_db_counter)}.sqlite3"
    url = f"sqlite:///{path}"
    _migrate(url)
    try:
        yield url
    finally:
        _remove_sqlite(path)


@contextmanager
def fresh_postgres(admin_url: str) -> Iterator[str]:
    """A migrated database of its own, dropped afterwards even if the run fails."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"bench_gtfs_{os.getpid()}_{next(_db_counter)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(admin_url).set(drivername="postgresql+psycopg", database=name)
        rendered = url.render_as_string(hide_password=False)
        _migrate(rendered)
        yield rendered
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_version(admin_url: str) -> tuple[str | None, str]:
    """The server version, or None and the reason it cannot be reached."""
    try:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return (str(row[0]) if row else "?"), ""
    except Exception as exc:  # any failure means: skip PostgreSQL, say why
        return None, f"{exc.__class__.__name__}: {str(exc).strip().splitlines()[0]}"


# -- the synthetic 2x feed -------------------------------------------------------------------


def _csv_rows(zin: zipfile.ZipFile, name: str) -> Iterator[list[str]]:
    with zin.open(name) as raw:
        yield from csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))


def _write_doubled(
    zin: zipfile.ZipFile, zout: zipfile.ZipFile, name: str, columns: tuple[str, ...]
) -> None:
    """Every row, then every row again with `columns` suffixed: two streaming passes."""
    with (
        zout.open(name, "w", force_zip64=True) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as text,
    ):
        writer = csv.writer(text, lineterminator="\n")
        for suffix in ("", DOUBLED_SUFFIX):
            rows = _csv_rows(zin, name)
            header = next(rows)
            if not suffix:
                writer.writerow(header)
            names = [h.strip() for h in header]
            indexes = [names.index(c) for c in columns if c in names]
            for row in rows:
                if not row:  # blank line
                    continue
                if suffix:
                    for i in indexes:
                        if row[i]:  # an empty block_id stays empty
                            row[i] += suffix
                writer.writerow(row)


def write_doubled_feed(src: Path, dst: Path) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.is_dir():
                continue
            if info.filename in DOUBLED_FILES:
                _write_doubled(zin, zout, info.filename, DOUBLED_FILES[info.filename])
            else:
                with zin.open(info) as r, zout.open(info.filename, "w", force_zip64=True) as w:
                    shutil.copyfileobj(r, w, 1 << 20)


# -- orchestration ---------------------------------------------------------------------------


def aggregate(runs: list[Run]) -> Run:
    """Median time (and CPU) over the repeats that worked; the worst peak RSS and load."""
    ok = [r for r in runs if not r.error]
    failed = [r.error for r in runs if r.error]
    if not ok:
        return runs[0]
    first = ok[0]
    return Run(
        first.label,
        seconds=statistics.median(r.seconds for r in ok),
        best_seconds=min(r.seconds for r in ok),
        cpu_seconds=statistics.median(r.cpu_seconds for r in ok),
        server_cpu_seconds=statistics.median(r.server_cpu_seconds for r in ok),
        rows=first.rows,
        stop_times=first.stop_times,
        peak_rss_mb=max(r.peak_rss_mb for r in ok),
        base_rss_mb=max(r.base_rss_mb for r in ok),
        load1=max(r.load1 for r in runs),
        failed_repeats=failed,
    )


@dataclass
class Plan:
    feed: Path
    workdir: Path
    pg_ok: bool
    peers: bool
    node_entry: Path | None


def ours_runs(plan: Plan, feed: Path, suffix: str = "") -> list[Run]:
    runs = []
    if plan.pg_ok:
        pg = fresh_postgres(PG_ADMIN_URL)
        runs.append(_ours_in(pg, f"ours -> PostgreSQL{suffix}", feed))
    runs.append(_ours_in(fresh_sqlite(plan.workdir), f"ours -> SQLite{suffix}", feed))
    return runs


def _ours_in(database: AbstractContextManager[str], label: str, feed: Path) -> Run:
    """Our import into a fresh database; a failed set-up (migration) is reported, not raised."""
    try:
        with database as url:
            return run_python_child(label, {"kind": "ours", "feed": str(feed), "db_url": url})
    except Exception as exc:
        return Run(label, error=f"database set-up: {type(exc).__name__}: {exc}".splitlines()[0])


def dataframe_peer_runs(feed: Path, suffix: str = "") -> list[Run]:
    feed_arg = str(feed)
    return [
        run_python_child(
            f"partridge (DataFrames){suffix}", {"kind": "partridge", "feed": feed_arg}
        ),
        run_python_child(f"gtfs-kit (DataFrames){suffix}", {"kind": "gtfs_kit", "feed": feed_arg}),
    ]


def peer_runs(plan: Plan) -> list[Run]:
    runs = dataframe_peer_runs(plan.feed)
    db = plan.workdir / "pandas_to_sql.sqlite"
    spec = {"kind": "pandas_to_sql", "feed": str(plan.feed), "sqlite_path": str(db)}
    runs.append(run_python_child("pandas to_sql -> SQLite", spec))
    _remove_sqlite(db)
    if plan.node_entry is not None:
        runs.append(run_node_gtfs(plan.node_entry, plan.feed, plan.workdir))
    return runs


def measure_1x(plan: Plan, repeat: int) -> list[Run]:
    """Repeats interleaved (all jobs once, then again) so a burst of load hits every job."""
    by_label: dict[str, list[Run]] = {}
    for i in range(repeat):
        print(f"  round {i + 1}/{repeat} ...", flush=True)
        batch = ours_runs(plan, plan.feed) + (peer_runs(plan) if plan.peers else [])
        for run in batch:
            by_label.setdefault(run.label, []).append(run)
    return [aggregate(runs) for runs in by_label.values()]


def measure_2x(plan: Plan) -> tuple[list[Run], float]:
    doubled = plan.workdir / f"{plan.feed.stem}{DOUBLED_SUFFIX}.zip"
    started = time.perf_counter()
    write_doubled_feed(plan.feed, doubled)
    made_in = time.perf_counter() - started
    runs = ours_runs(plan, doubled, " 2x")
    if plan.peers:
        runs += dataframe_peer_runs(doubled, " 2x")
    doubled.unlink()
    return runs, made_in


# -- report ----------------------------------------------------------------------------------


def _meminfo_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _node_version() -> str:
    if shutil.which("node") is None:
        return "absent"
    proc = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    return proc.stdout.strip()


def print_environment(feed: Path, pg_version: str | None, pg_why: str, node: str) -> None:
    print(f"GTFS import benchmark: {feed.name} ({feed.stat().st_size:,} bytes)")
    print(
        f"machine : {os.cpu_count()} cores, {_cpu_model()}, {_meminfo_gib():.1f} GiB RAM, "
        f"{platform.system()} {platform.release()}"
    )
    print(
        f"software: Python {platform.python_version()}, "
        f"PostgreSQL {pg_version or f'unreachable ({pg_why})'}, "
        f"SQLite {sqlite3.sqlite_version} (Python's sqlite3), "
        f"SQLAlchemy {_version('sqlalchemy')}, psycopg {_version('psycopg')}"
    )
    print(
        f"peers   : pandas {_version('pandas')}, partridge {_version('partridge')}, "
        f"gtfs-kit {_version('gtfs-kit')}, node {_node_version()}, node-gtfs {node}"
    )


DEFINITIONS = """\
wall s       = median wall time of the import/load call alone (interpreter start, library
               imports and schema migration excluded; for node-gtfs, node start-up likewise)
best s       = the fastest repeat's wall time; the rates use the median
cpu s        = median CPU time of the process doing the job (not the PostgreSQL server's CPU)
srv s        = median CPU time of the PostgreSQL backend serving our import (COPY, index upkeep,
               attach, ANALYZE); it runs on the other core, beside ours
rows/s       = all rows the tool loaded (every file) / wall s
stop_times/s = stop_times rows / wall s of the WHOLE import (all files, validation, indexes,
               commit), not of the stop_times phase alone
peak MB      = ru_maxrss of the child process that ran the job; base MB = its RSS just before
               the job started (interpreter + libraries loaded); job MB = peak - base
load1        = 1-minute load average when the run started (max over repeats); our own child
               and the PostgreSQL server account for about 1 of it"""


def _fmt_rate(x: float) -> str:
    return f"{x:,.0f}" if x else "-"


def _fmt_srv(x: float) -> str:
    return f"{x:.1f}" if x else "-"


def print_runs(runs: list[Run]) -> None:
    head = (
        f"{'run':<30}{'rows':>10}{'stop_times':>12}{'wall s':>8}{'best s':>8}{'cpu s':>7}"
        f"{'srv s':>7}{'rows/s':>10}"
        f"{'stop_times/s':>14}{'peak MB':>9}{'base MB':>9}{'load1':>7}"
    )
    print(head)
    print("-" * len(head))
    for r in runs:
        if r.error:
            print(f"{r.label:<30}FAILED: {r.error[:120]}")
            continue
        print(
            f"{r.label:<30}{r.rows:>10,}{r.stop_times:>12,}{r.seconds:>8.2f}{r.best_seconds:>8.2f}"
            f"{r.cpu_seconds:>7.1f}{_fmt_srv(r.server_cpu_seconds):>7}"
            f"{_fmt_rate(r.rows_per_s):>10}{_fmt_rate(r.stop_times_per_s):>14}"
            f"{r.peak_rss_mb:>9.0f}{r.base_rss_mb:>9.0f}{r.load1:>7.2f}"
        )
    for r in runs:
        if r.failed_repeats and not r.error:
            print(
                f"  ({r.label}: {len(r.failed_repeats)} repeat(s) failed and are left out: "
                f"{r.failed_repeats[0][:120]})"
            )


def _ratio(ours: Run | None, peer: Run) -> str:
    if ours is None or ours.error or peer.error or not peer.stop_times_per_s:
        return "-"
    return f"{ours.stop_times_per_s / peer.stop_times_per_s:.2f}x"


def print_ratios(runs: list[Run]) -> None:
    by_label = {r.label: r for r in runs}
    pg, lite = by_label.get("ours -> PostgreSQL"), by_label.get("ours -> SQLite")
    peers = [r for r in runs if not r.label.startswith("ours")]
    if not peers:
        return
    print("\nthroughput ratio ours / peer (stop_times rows/s; > 1 means ours is faster)")
    print(f"{'peer':<30}{'peer stop_times/s':>18}{'ours->PostgreSQL':>18}{'ours->SQLite':>14}")
    for p in peers:
        print(
            f"{p.label:<30}{_fmt_rate(p.stop_times_per_s):>18}{_ratio(pg, p):>18}"
            f"{_ratio(lite, p):>14}"
        )
    print("(the DataFrame peers write no database and validate nothing; pandas to_sql and")
    print(" node-gtfs write SQLite: they are the like-for-like peers of ours -> SQLite)")


def print_memory(one: list[Run], two: list[Run]) -> None:
    by_label = {r.label: r for r in one}
    print(
        f"\n{'run':<30}{'peak 1x':>9}{'peak 2x':>9}{'2x/1x':>7}{'job MB 1x':>11}{'job MB 2x':>11}"
        f"{'wall 1x':>9}{'wall 2x':>9}"
    )
    for r2 in two:
        r1 = by_label.get(r2.label.removesuffix(" 2x"))
        if r1 is None or r1.error or r2.error:
            error = r2.error or (r1.error if r1 else "no 1x run")
            print(f"{r2.label.removesuffix(' 2x'):<30}FAILED: {error[:120]}")
            continue
        print(
            f"{r1.label:<30}{r1.peak_rss_mb:>9.0f}{r2.peak_rss_mb:>9.0f}"
            f"{r2.peak_rss_mb / r1.peak_rss_mb:>7.2f}"
            f"{r1.peak_rss_mb - r1.base_rss_mb:>11.0f}{r2.peak_rss_mb - r2.base_rss_mb:>11.0f}"
            f"{r1.seconds:>9.2f}{r2.seconds:>9.2f}"
        )


def print_target(runs: list[Run]) -> None:
    pg = next((r for r in runs if r.label == "ours -> PostgreSQL"), None)
    target = f">= {TARGET_PG_STOP_TIMES_PER_S:,} stop_times rows/s into PostgreSQL"
    if pg is None or pg.error:
        print(f"\ntarget {target}: NOT MEASURED ({pg.error if pg else 'PostgreSQL skipped'})")
        return
    verdict = "PASS" if pg.stop_times_per_s >= TARGET_PG_STOP_TIMES_PER_S else "BELOW"
    best = pg.stop_times / pg.best_seconds if pg.best_seconds else 0.0
    print(
        f"\ntarget {target}: measured {pg.stop_times_per_s:,.0f} (median; best run "
        f"{best:,.0f}) -> {verdict}"
    )


def print_load_note(before: str, after: str, runs: list[Run]) -> None:
    print(f"\nload average before: {before}")
    print(f"load average after : {after}")
    cores = os.cpu_count() or 1
    idle_load = float(before.split()[0])  # before any of our runs: all of it is others' work
    busiest = max((r.load1 for r in runs), default=0.0)
    # Our own child (+ the PostgreSQL server) make about 1; beyond the core count, or a load
    # of more than half the cores before we started, means other processes shared the CPU.
    if busiest > cores or idle_load > cores / 2:
        print(
            f"NOTE: the machine was busy (1-min load {idle_load:.2f} before the first run, up to "
            f"{busiest:.2f} during them, on {cores} cores): other processes competed for the "
            "CPU, so wall times are pessimistic; cpu s is the steadier figure."
        )


# -- entry point -----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="GTFS import benchmark: ours vs peers")
    parser.add_argument("--feed", type=Path, default=None, help=f"default: {DEFAULT_FEED}")
    parser.add_argument("--repeat", type=int, default=1, help="runs per job (median reported)")
    parser.add_argument("--skip-peers", action="store_true", help="measure only our importer")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def resolve_feed(arg: Path | None) -> Path | None:
    """The feed to use, or None (after saying why) when there is nothing to measure."""
    if arg is None:
        if not SHARED_DATA.is_dir():
            print(
                f"shared data folder {SHARED_DATA} is absent: nothing to benchmark "
                "(pass --feed PATH to use another feed)"
            )
            return None
        arg = DEFAULT_FEED
    if not arg.is_file():
        print(f"feed {arg} not found: nothing to benchmark")
        return None
    return arg.resolve()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args.child)
    feed = resolve_feed(args.feed)
    if feed is None:
        return 0
    load_before = Path("/proc/loadavg").read_text().strip()
    pg_version, pg_why = postgres_version(PG_ADMIN_URL)
    node_entry, node_note = node_gtfs_entry() if not args.skip_peers else (None, "skipped")
    node_line = node_note if node_entry else f"skipped: {node_note}"
    print_environment(feed, pg_version, pg_why, node_line)
    print(
        f"repeat  : {args.repeat} (median wall/cpu over repeats; max peak RSS; 2x runs once each)\n"
    )
    print(DEFINITIONS + "\n")
    with tempfile.TemporaryDirectory(prefix="gtfs_bench_") as tmp:
        plan = Plan(feed, Path(tmp), pg_version is not None, not args.skip_peers, node_entry)
        print("1x feed:", flush=True)
        one = measure_1x(plan, max(1, args.repeat))
        print(
            "2x feed (every trip copied as <trip_id>_x2, block_id suffixed likewise):", flush=True
        )
        two, made_in = measure_2x(plan)
    print(f"\n== 1x feed: {feed.name} ==")
    print_runs(one)
    print_ratios(one)
    print(f"\n== memory vs feed size: 1x vs 2x (synthetic 2x feed written in {made_in:.1f} s) ==")
    print_runs(two)
    print_memory(one, two)
    print_target(one)
    print_load_note(load_before, Path("/proc/loadavg").read_text().strip(), one + two)
    return 0


if __name__ == "__main__":
    sys.exit(main())

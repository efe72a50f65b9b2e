"""Malformed input on every upload path: one clear error, and no partial state.

Each path gets the damage a real upload suffers: a file cut short mid-line, binary garbage or
the wrong encoding, one bad value halfway through an otherwise valid file built from the
project's real data (data/), a required column or key missing, and a reference to something
that does not exist. The command line answers with a non-zero exit and one line on stderr
(no traceback); the API with problem+json of a stable type; and the row count of every table
of the database is exactly what it was before.

Traffic counts are the one path that is not all-or-nothing row by row, by design: a count file
is evidence, so a batch keeps its good rows and records each bad one with its reason
(`mobility traffic counts rejected`). Damage to the file itself (garbage, encoding, a missing
column) still stores nothing.
"""

from __future__ import annotations

import io
import json
import random
import re
import zipfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, inspect, select, table
from typer.testing import CliRunner

from mobility.auth.access_tokens import issue_access_token
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.db import session_scope
from mobility.errors import PROBLEM_BASE
from mobility.traffic import service as traffic
from services.cli import app
from tests.conftest import SAMPLE_FEED
from tests.mobility.traffic.conftest import GMNS_LINKS, GMNS_NODES, NET, NODES, TRIPS

DATA = Path(__file__).resolve().parents[2] / "data"
TARIFFS = DATA / "sample" / "tariffs.toml"
FREIGHT = DATA / "freight" / "ligurian_tuscan_freight.toml"
JWT_SECRET = "malformed-uploads-secret-" + "z" * 40
runner = CliRunner()

# -- the damage ---------------------------------------------------------------------------


def truncated(data: bytes) -> bytes:
    """Cut at 60 %, in the middle of a line (a transfer that died)."""
    cut = len(data) * 3 // 5
    while data[cut - 1 : cut] in (b"\n", b"\r", b""):
        cut -= 1
    return data[:cut]


def garbage(data: bytes) -> bytes:
    """What an upload of the wrong file looks like: a PNG header, then noise."""
    return b"\x89PNG\r\n\x1a\n" + random.Random(len(data)).randbytes(4096)


def utf16(data: bytes) -> bytes:
    """The right text in the wrong encoding (a spreadsheet's 'Unicode text')."""
    return data.decode("utf-8").encode("utf-16")


def replace_nth(text: str, old: str, new: str, n: int) -> str:
    """`text` with the n-th (1-based) occurrence of `old` replaced; fails if there is none."""
    starts = [m.start() for m in re.finditer(re.escape(old), text)]
    assert len(starts) >= n, f"{old!r} occurs {len(starts)} times"
    at = starts[n - 1]
    return text[:at] + new + text[at + len(old) :]


def halfway(text: str, old: str, new: str) -> str:
    """Replace the occurrence of `old` halfway through the file."""
    count = text.count(old)
    assert count >= 3, f"{old!r} occurs {count} times: not a 'halfway' damage"
    return replace_nth(text, old, new, count // 2 + 1)


# -- what must not change -----------------------------------------------------------------


def snapshot(engine: Engine) -> dict[str, int]:
    """Rows in every table of the database (the migration's version table aside)."""
    names = [n for n in inspect(engine).get_table_names() if n != "alembic_version"]
    with engine.connect() as conn:
        return {n: conn.scalar(select(func.count()).select_from(table(n))) or 0 for n in names}


def cli_refuses(engine: Engine, *args: str) -> str:
    """Run `mobility *args`; assert a non-zero exit, one line on stderr, no traceback and no
    row added or removed anywhere; the line."""
    before = snapshot(engine)
    result = runner.invoke(app, list(args))
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), (
        f"{args[:2]}: uncaught {exc.__class__.__name__}: {str(exc)[:200]}"
    )
    assert result.exit_code != 0, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert snapshot(engine) == before
    return lines[0]


def api_refuses(engine: Engine, call: Callable[[], Any], status: int, slug: str) -> dict[str, Any]:
    """A request answered `status` problem+json of type `slug`, with no row changed."""
    before = snapshot(engine)
    response = call()
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEM_BASE + slug, body
    assert snapshot(engine) == before
    return body


def write(tmp_path: Path, name: str, data: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return str(path)


@pytest.fixture
def db(engine: Engine, settings_env: None) -> Engine:  # noqa: ARG001
    return engine


@pytest.fixture
def client(db: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:  # noqa: ARG001
    from mobility.settings import get_settings
    from services.app import create_app

    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    get_settings.cache_clear()
    with TestClient(create_app()) as made:
        yield made


def bearer(kind: PrincipalKind, *scopes: Scope) -> dict[str, str]:
    principal = Principal("uploader", kind, frozenset(scopes))
    return {"Authorization": f"Bearer {issue_access_token(principal)}"}


def sioux_falls() -> int:
    """The real Sioux Falls network and its car trips, imported before the damage."""
    with session_scope() as session:
        network = traffic.import_tntp_network(session, "sf", NET, NODES, crs="EPSG:4326")
        traffic.import_tntp_trips(session, "sf", TRIPS, "car", "am")
        return network.network_id


# -- GTFS ---------------------------------------------------------------------------------


def _feed_with(changes: dict[str, Callable[[str], str]]) -> bytes:
    """The real Prato feed with some of its files rewritten."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(SAMPLE_FEED) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if info.filename in changes:
                data = changes[info.filename](data.decode("utf-8-sig")).encode("utf-8")
            dst.writestr(info.filename, data)
    return out.getvalue()


def _drop_column(text: str, column: str) -> str:
    import csv

    rows = list(csv.reader(io.StringIO(text)))
    at = rows[0].index(column)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([r[:at] + r[at + 1 :] for r in rows if r])
    return buf.getvalue()


def _stop_times_row(text: str, edit: Callable[[list[str], list[str]], None]) -> str:
    lines = text.splitlines()
    header = lines[0].split(",")
    middle = len(lines) // 2
    cells = lines[middle].split(",")
    edit(header, cells)
    lines[middle] = ",".join(cells)
    return "\n".join(lines) + "\n"


def _bad_time(header: list[str], cells: list[str]) -> None:
    cells[header.index("arrival_time")] = "25:6x:00"


def _unknown_stop(header: list[str], cells: list[str]) -> None:
    cells[header.index("stop_id")] = "NO-SUCH-STOP"


GTFS_DAMAGE: dict[str, Callable[[], bytes]] = {
    "truncated": lambda: truncated(SAMPLE_FEED.read_bytes()),
    "garbage": lambda: garbage(SAMPLE_FEED.read_bytes()),
    "bad_value_halfway": lambda: _feed_with(
        {"stop_times.txt": lambda t: _stop_times_row(t, _bad_time)}
    ),
    "missing_column": lambda: _feed_with({"stops.txt": lambda t: _drop_column(t, "stop_id")}),
    "unknown_reference": lambda: _feed_with(
        {"stop_times.txt": lambda t: _stop_times_row(t, _unknown_stop)}
    ),
}


@pytest.mark.parametrize("damage", sorted(GTFS_DAMAGE))
def test_gtfs_import(db: Engine, tmp_path: Path, damage: str) -> None:
    """`mobility gtfs import` of a damaged Prato feed: one line, exit 1, no feed version."""
    path = write(tmp_path, "prato.zip", GTFS_DAMAGE[damage]())
    line = cli_refuses(db, "gtfs", "import", path, "--feed", "prato")
    expected = {"truncated": "not a zip file", "garbage": "not a zip file"}
    assert expected.get(damage, "errors; nothing imported") in line, line


# -- tariffs ------------------------------------------------------------------------------

TARIFF_DAMAGE: dict[str, Callable[[str], bytes]] = {
    "truncated": lambda t: truncated(t.encode()),
    "garbage": lambda t: garbage(t.encode()),
    "utf16": lambda t: utf16(t.encode()),
    "bad_value_halfway": lambda t: halfway(t, "adult = ", "adult = -").encode(),
    "missing_column": lambda t: replace_nth(t, '\nkind = "single_ride"', "", 1).encode(),
    "unknown_reference": lambda t: replace_nth(t, '["ATC"]', '["NOBODY"]', 1).encode(),
}


@pytest.mark.parametrize("damage", sorted(TARIFF_DAMAGE))
def test_tariffs(db: Engine, tmp_path: Path, damage: str) -> None:
    """`mobility ticketing load-tariffs` of a damaged sample tariff file (over a loaded one):
    one line, exit 1, the catalogue unchanged."""
    assert runner.invoke(app, ["ticketing", "load-tariffs", str(TARIFFS)]).exit_code == 0
    bad = TARIFF_DAMAGE[damage](TARIFFS.read_text(encoding="utf-8"))
    line = cli_refuses(db, "ticketing", "load-tariffs", write(tmp_path, "tariffs.toml", bad))
    assert TOML_MESSAGES.get(damage, TARIFF_MESSAGES.get(damage, "")) in line, line


TOML_MESSAGES = {
    "truncated": "not valid TOML",
    "garbage": "is not UTF-8 text",
    "utf16": "is not UTF-8 text",
}
TARIFF_MESSAGES = {
    "bad_value_halfway": "products[10].prices.adult: Input should be greater than or equal to 0",
    "missing_column": "products[0].kind: Field required",
    "unknown_reference": "unknown operator 'NOBODY'",
}


def test_congestion_bands_put(client: TestClient, db: Engine) -> None:
    """PUT /v1/catalogue/congestion-bands: a body cut short, garbage, a bad band halfway, a
    band missing its zone and an unknown zone are refused whole, nothing stored."""
    assert runner.invoke(app, ["ticketing", "load-tariffs", str(TARIFFS)]).exit_code == 0
    headers = bearer(PrincipalKind.ADMIN, Scope.ADMIN)
    url = "/v1/catalogue/congestion-bands"
    band = {"zone": "SP-PORT", "weekdays": ["mon"], "start": "07:00", "end": "09:00",
            "adjustment_bp": 100}  # fmt: skip
    good = [dict(band, weekdays=[day]) for day in ("mon", "tue", "wed", "thu", "fri", "sat")]
    raw = {**headers, "content-type": "application/json"}
    text = json.dumps({"bands": good}).encode()
    put = partial(client.put, url)
    api_refuses(db, lambda: put(content=truncated(text), headers=raw), 422, "request-validation")
    api_refuses(db, lambda: put(content=garbage(text), headers=raw), 400, "bad-request")
    bad = {"bands": [*good[:3], dict(band, start="25:00"), *good[3:]]}
    missing = {"bands": [*good[:3], {k: v for k, v in band.items() if k != "zone"}, *good[3:]]}
    for body in (bad, missing):
        api_refuses(db, partial(put, json=body, headers=headers), 422, "request-validation")
    unknown = {"bands": [*good[:3], dict(band, zone="NOWHERE"), *good[3:]]}
    api_refuses(db, lambda: put(json=unknown, headers=headers), 422, "congestion-bands-invalid")
    assert put(json={"bands": good}, headers=headers).status_code == 200


# -- freight ------------------------------------------------------------------------------

FREIGHT_DAMAGE: dict[str, Callable[[str], bytes]] = {
    "truncated": lambda t: truncated(t.encode()),
    "garbage": lambda t: garbage(t.encode()),
    "utf16": lambda t: utf16(t.encode()),
    "bad_value_halfway": lambda t: halfway(t, "\ntransit_min = ", "\ntransit_min = -").encode(),
    "missing_column": lambda t: replace_nth(t, '\nto = "', '\nto_ = "', 1).encode(),
    "unknown_reference": lambda t: replace_nth(t, '\nfrom = "', '\nfrom = "NOWHERE-', 1).encode(),
}  # fmt: skip


@pytest.mark.parametrize("damage", sorted(FREIGHT_DAMAGE))
def test_freight_load(db: Engine, tmp_path: Path, damage: str) -> None:
    """`mobility freight load` of a damaged freight data set (over the loaded real one): one
    line, exit 1, the freight network unchanged."""
    assert runner.invoke(app, ["freight", "load", str(FREIGHT)]).exit_code == 0
    bad = FREIGHT_DAMAGE[damage](FREIGHT.read_text(encoding="utf-8"))
    line = cli_refuses(db, "freight", "load", write(tmp_path, "freight.toml", bad))
    expected = {
        "bad_value_halfway": "transit_min: Input should be greater than or equal to 1",
        "missing_column": "links[0].to: Field required",
        "unknown_reference": "unknown terminal 'NOWHERE-",
    }
    assert {**TOML_MESSAGES, **expected}[damage] in line, line


# -- road networks and demand -------------------------------------------------------------

_NET_TEXT = NET.read_text(encoding="utf-8")


def _without_third_field(text: str) -> str:
    """The capacity column (the third field) taken out of every link row."""
    out = []
    for line in text.splitlines():
        cells = line.split("\t")
        if len(cells) > 4 and cells[1].strip().isdigit():
            del cells[3]
        out.append("\t".join(cells))
    return "\n".join(out) + "\n"


TNTP_NET_DAMAGE: dict[str, Callable[[], bytes]] = {
    "truncated": lambda: truncated(_NET_TEXT.encode()),
    "garbage": lambda: garbage(_NET_TEXT.encode()),
    "utf16": lambda: utf16(_NET_TEXT.encode()),
    "bad_value_halfway": lambda: halfway(_NET_TEXT, "\t0.15\t", "\tfast\t").encode(),
    "missing_column": lambda: _without_third_field(_NET_TEXT).encode(),
    "unknown_reference": lambda: halfway(_NET_TEXT, "\n\t10\t", "\n\t999\t").encode(),
}


@pytest.mark.parametrize("damage", sorted(TNTP_NET_DAMAGE))
def test_tntp_network(db: Engine, tmp_path: Path, damage: str) -> None:
    """`mobility traffic import-network --tntp` of a damaged Sioux Falls network: one line,
    exit 1, no network."""
    net = write(tmp_path, "net.tntp", TNTP_NET_DAMAGE[damage]())
    line = cli_refuses(db, "traffic", "import-network", "--name", "bad", "--tntp", net,
                       "--nodes", str(NODES))  # fmt: skip
    expected = {
        "truncated": "a link line must end with ';'",
        "garbage": "line 1: expected a <KEY> value metadata line",
        "utf16": "line 1: expected a <KEY> value metadata line",
        "bad_value_halfway": "line 48: a value is not a number",
        "missing_column": "9 values, expected 10",
        "unknown_reference": "the init node is not in 1..24",
    }
    assert expected[damage] in line, line


GMNS_DAMAGE: dict[str, Callable[[], tuple[str, str]]] = {
    "truncated": lambda: (GMNS_NODES, truncated(GMNS_LINKS.encode()).decode()),
    "garbage": lambda: (GMNS_NODES, garbage(b"").decode("latin-1")),
    "bad_value_halfway": lambda: (GMNS_NODES, GMNS_LINKS.replace(",5000,2,", ",five,2,")),
    "missing_column": lambda: (GMNS_NODES, GMNS_LINKS.replace("to_node_id", "to_node")),
    "unknown_reference": lambda: (GMNS_NODES, GMNS_LINKS.replace("a,10,11,", "a,10,99,")),
}


@pytest.mark.parametrize("damage", sorted(GMNS_DAMAGE))
def test_gmns_network(db: Engine, tmp_path: Path, damage: str) -> None:
    """`mobility traffic import-network --gmns` of a damaged GMNS network: one line, exit 1,
    no network."""
    nodes, links = GMNS_DAMAGE[damage]()
    folder = tmp_path / "gmns"
    folder.mkdir()
    (folder / "node.csv").write_bytes(nodes.encode("latin-1"))
    (folder / "link.csv").write_bytes(links.encode("latin-1"))
    line = cli_refuses(db, "traffic", "import-network", "--name", "bad", "--gmns", str(folder))
    expected = {
        "truncated": "link.csv, line 5, capacity: a value is required",
        "garbage": "link.csv, line 1: not a UTF-8 CSV file",
        "bad_value_halfway": "link.csv, line 4, length: 'five' is not a number",
        "missing_column": "missing column(s) to_node_id",
        "unknown_reference": "node 99 is not in node.csv",
    }
    assert expected[damage] in line, line


_TRIPS_TEXT = TRIPS.read_text(encoding="utf-8")
DEMAND_DAMAGE: dict[str, Callable[[], tuple[str, bytes]]] = {
    "truncated": lambda: ("trips.tntp", truncated(_TRIPS_TEXT.encode())),
    "garbage": lambda: ("trips.tntp", garbage(_TRIPS_TEXT.encode())),
    "utf16": lambda: ("trips.tntp", utf16(_TRIPS_TEXT.encode())),
    "bad_value_halfway": lambda: ("trips.tntp", halfway(_TRIPS_TEXT, "500.0;", "lots;").encode()),
    "csv_missing_column": lambda: ("od.csv", b"origin,trips\n1,10\n2,20\n"),
    "csv_bad_value_halfway": lambda: ("od.csv", _od_csv(bad_at=300).encode()),
    "unknown_reference": lambda: ("od.csv", _od_csv(unknown_at=300).encode()),
}  # fmt: skip


def _od_csv(*, bad_at: int | None = None, unknown_at: int | None = None) -> str:
    """Every OD pair of Sioux Falls' 24 zones, one value damaged."""
    lines = ["origin,destination,trips"]
    for i, (o, d) in enumerate((o, d) for o in range(1, 25) for d in range(1, 25) if o != d):
        trips = "ten" if i == bad_at else "10"
        lines.append(f"{99 if i == unknown_at else o},{d},{trips}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("damage", sorted(DEMAND_DAMAGE))
def test_demand(db: Engine, tmp_path: Path, damage: str) -> None:
    """`mobility traffic import-demand` of damaged trips (TNTP or CSV) onto Sioux Falls: one
    line, exit 1, the network's demand as it was."""
    sioux_falls()
    name, data = DEMAND_DAMAGE[damage]()
    path = write(tmp_path, name, data)
    option = ["--tntp", path] if name.endswith(".tntp") else [path]
    line = cli_refuses(db, "traffic", "import-demand", "--network", "sf", *option,
                       "--period", "am")  # fmt: skip
    expected = {
        "truncated": "<TOTAL OD FLOW> is 360600.0 but the flows sum to",
        "garbage": "line 1: expected a <KEY> value metadata line",
        "utf16": "line 1: expected a <KEY> value metadata line",
        "bad_value_halfway": "the flow 'lots' is not a number",
        "csv_missing_column": "missing column(s) destination",
        "csv_bad_value_halfway": "od.csv, line 302: trips: 'ten' is not a number",
        "unknown_reference": "zone 99 is not a zone of network 'sf'",
    }
    assert expected[damage] in line, line


# -- scenarios and the fare-zone map -----------------------------------------------------

SCENARIO = """name = "closure"
network = "sf"
period = "am"
gap = 1e-3

[[changes]]
type = "close_link"
link = [10, 15]

[[changes]]
type = "set_capacity"
link = [1, 2]
factor = 0.5

[[changes]]
type = "close_link"
link = [15, 10]
"""
SCENARIO_DAMAGE: dict[str, Callable[[str], bytes]] = {
    "truncated": lambda t: truncated(t.encode()),
    "garbage": lambda t: garbage(t.encode()),
    "utf16": lambda t: utf16(t.encode()),
    "bad_value_halfway": lambda t: t.replace("factor = 0.5", "factor = -2").encode(),
    "missing_column": lambda t: t.replace('network = "sf"\n', "").encode(),
    "unknown_reference": lambda t: t.replace("link = [1, 2]", "link = [1, 24]").encode(),
}


@pytest.mark.parametrize("damage", sorted(SCENARIO_DAMAGE))
def test_scenario_create(db: Engine, tmp_path: Path, damage: str) -> None:
    """`mobility traffic scenario create FILE.toml` of a damaged scenario: one line, exit 1,
    no scenario and no queued run."""
    sioux_falls()
    path = write(tmp_path, "scenario.toml", SCENARIO_DAMAGE[damage](SCENARIO))
    line = cli_refuses(db, "traffic", "scenario", "create", path)
    expected = {
        "bad_value_halfway": "changes[1].set_capacity.factor: Input should be greater than 0",
        "missing_column": "network: Field required",
        "unknown_reference": "change 1: no link from node 1 to node 24",
    }
    assert {**TOML_MESSAGES, **expected}[damage] in line, line


def _zone_map(*, bad_at: int | None = None, unknown_at: int | None = None) -> str:
    lines = ["zone_id,fare_zone"]
    for zone in range(1, 25):
        value = "" if zone == bad_at else ("Z1" if zone <= 12 else "Z2")
        lines.append(f"{99 if zone == unknown_at else zone},{value}")
    return "\n".join(lines) + "\n"


def _cut_after_comma(data: bytes) -> bytes:
    """Cut short right after a field separator: a row whose last field is lost (a file cut
    at a line's end is a shorter map, which a CSV cannot tell from a complete one)."""
    return data[: data.rindex(b",", 0, len(data) * 3 // 5) + 1]


ZONE_MAP_DAMAGE: dict[str, Callable[[], bytes]] = {
    "truncated": lambda: _cut_after_comma(_zone_map().encode()),
    "garbage": lambda: garbage(b""),
    "utf16": lambda: utf16(_zone_map().encode()),
    "bad_value_halfway": lambda: _zone_map(bad_at=12).encode(),
    "missing_column": lambda: _zone_map().replace(",fare_zone", "").encode(),
    "unknown_reference": lambda: _zone_map(unknown_at=13).encode(),
}


@pytest.mark.parametrize("damage", sorted(ZONE_MAP_DAMAGE))
def test_fare_zone_map_cli(db: Engine, tmp_path: Path, damage: str) -> None:
    """`mobility traffic fare-zone-map` of a damaged CSV (over a good map): one line, exit 1,
    the map unchanged."""
    network = sioux_falls()
    good = write(tmp_path, "good.csv", _zone_map())
    assert runner.invoke(app, ["traffic", "fare-zone-map", str(network), good]).exit_code == 0
    path = write(tmp_path, "zones.csv", ZONE_MAP_DAMAGE[damage]())
    line = cli_refuses(db, "traffic", "fare-zone-map", str(network), path)
    expected = {
        "truncated": "line 15: empty fare zone",
        "garbage": "not a UTF-8 CSV file",
        "utf16": "not a UTF-8 CSV file",
        "bad_value_halfway": "line 13: empty fare zone",
        "missing_column": "the columns are zone_id,fare_zone",
        "unknown_reference": f"network {network} has no zone 99",
    }
    assert expected[damage] in line, line


def test_fare_zone_map_put(client: TestClient, db: Engine) -> None:
    """PUT /v1/traffic/fare-zone-map: a body cut short, garbage, a bad value halfway, a zone
    missing its fare zone and an unknown zone are refused whole."""
    network = sioux_falls()
    headers = bearer(PrincipalKind.ADMIN, Scope.ADMIN)
    raw = {**headers, "content-type": "application/json"}
    url = "/v1/traffic/fare-zone-map"
    zones = [{"zone_id": z, "fare_zone": "Z1" if z <= 12 else "Z2"} for z in range(1, 25)]
    good = {"network_id": network, "zones": zones}
    assert client.put(url, json=good, headers=headers).status_code == 200
    text = json.dumps(good).encode()
    put = partial(client.put, url)
    api_refuses(db, lambda: put(content=truncated(text), headers=raw), 422, "request-validation")
    api_refuses(db, lambda: put(content=garbage(text), headers=raw), 400, "bad-request")

    def with_zone(zone: dict[str, Any]) -> dict[str, Any]:
        return {"network_id": network, "zones": [*zones[:12], zone, *zones[13:]]}

    bad, missing = with_zone({"zone_id": "thirteen", "fare_zone": "Z2"}), with_zone({"zone_id": 13})
    api_refuses(db, lambda: put(json=bad, headers=headers), 422, "request-validation")
    api_refuses(db, lambda: put(json=missing, headers=headers), 422, "request-validation")
    unknown = with_zone({"zone_id": 99, "fare_zone": "Z2"})
    body = api_refuses(
        db, lambda: put(json=unknown, headers=headers), 422, "traffic-fare-zone-map-invalid"
    )
    assert "99" in body["detail"]


# -- traffic counts -----------------------------------------------------------------------


def _counts_csv(
    rows: int = 960, *, bad_at: int | None = None, unknown_at: int | None = None
) -> str:
    """Ten days of 15-minute car counts of detector A12, one row damaged."""
    lines = ["detector;timestamp;class;count;speed"]
    for i in range(rows):
        day, quarter = divmod(i, 96)
        stamp = f"2026-11-{10 + day:02d} {quarter // 4:02d}:{quarter % 4 * 15:02d}"
        count = "many" if i == bad_at else str(40 + i % 50)
        detector = "ZZ9" if i == unknown_at else "A12"
        lines.append(f"{detector};{stamp};car;{count};50")
    return "\n".join(lines) + "\n"


COUNTS_FILE_DAMAGE: dict[str, Callable[[], bytes]] = {
    "garbage": lambda: garbage(_counts_csv().encode()),
    "utf16": lambda: utf16(_counts_csv().encode()),
    "missing_column": lambda: _counts_csv().replace(";class", "").replace(";car", "").encode(),
}


@pytest.mark.parametrize("damage", sorted(COUNTS_FILE_DAMAGE))
def test_counts_file_damage(db: Engine, tmp_path: Path, damage: str) -> None:
    """`mobility traffic counts import` of a file that cannot be read as counts: one line,
    exit 1, no batch and no count."""
    path = write(tmp_path, "a12.csv", COUNTS_FILE_DAMAGE[damage]())
    line = cli_refuses(db, "traffic", "counts", "import", path, "--timezone", "Europe/Rome",
                       "--register-detectors")  # fmt: skip
    expected = {
        "garbage": "not UTF-8 text (byte 0)",
        "utf16": "not UTF-8 text (byte 0)",
        "missing_column": "missing column 'class'",
    }
    assert expected[damage] in line, line


@pytest.mark.parametrize(
    ("damage", "reason"),
    [("truncated", None), ("bad_value_halfway", "bad_count"), ("unknown_reference", None)],
)
@pytest.mark.usefixtures("db")
def test_counts_row_damage_is_recorded_row_by_row(
    tmp_path: Path, damage: str, reason: str | None
) -> None:
    """A damaged row of a count file (the last one cut short, a bad value halfway, a detector
    nobody registered) is rejected and recorded with its batch; every other row is stored."""
    from mobility.traffic.counts.models import TrafficCount, TrafficCountBatch

    assert runner.invoke(app, ["traffic", "counts", "detector", "A12"]).exit_code == 0
    text = {
        "truncated": lambda: truncated(_counts_csv().encode()).decode(),
        "bad_value_halfway": lambda: _counts_csv(bad_at=480),
        "unknown_reference": lambda: _counts_csv(unknown_at=480),
    }[damage]()
    rows = text.count("\n") - 1 + (0 if text.endswith("\n") else 1)
    path = write(tmp_path, "a12.csv", text)
    result = runner.invoke(app, ["traffic", "counts", "import", path, "--timezone", "Europe/Rome"])
    assert result.exit_code == 0, result.output
    assert f"{rows} rows, {rows - 1} accepted (0 replaced), 1 rejected" in result.stdout
    if reason is not None:
        assert reason in result.stderr
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(TrafficCount)) == rows - 1
        assert session.scalar(select(func.count()).select_from(TrafficCountBatch)) == 1


def test_counts_push(client: TestClient, db: Engine) -> None:
    """POST /v1/traffic/counts: a body cut short, garbage, a bad value halfway, an observation
    missing its count and an unknown detector are refused whole, nothing stored."""
    assert runner.invoke(app, ["traffic", "counts", "detector", "A12"]).exit_code == 0
    headers = bearer(PrincipalKind.INTEGRATION, Scope.TRAFFIC_COUNTS_WRITE)
    raw = {**headers, "content-type": "application/json"}
    url = "/v1/traffic/counts"
    good = [
        {"start": f"2026-11-20T{h:02d}:{m:02d}:00+01:00", "class": "car", "count": 50 + h}
        for h in range(24)
        for m in (0, 15, 30, 45)
    ]
    text = json.dumps({"detector": "A12", "observations": good}).encode()
    post = partial(client.post, url)
    api_refuses(db, lambda: post(content=truncated(text), headers=raw), 422, "request-validation")
    api_refuses(db, lambda: post(content=garbage(text), headers=raw), 400, "bad-request")
    bad = [*good[:48], {**good[48], "count": "many"}, *good[49:]]
    missing = [*good[:48], {k: v for k, v in good[48].items() if k != "count"}, *good[49:]]
    for observations in (bad, missing):
        body = {"detector": "A12", "observations": observations}
        api_refuses(db, partial(post, json=body, headers=headers), 422, "request-validation")
    unknown = {"detector": "ZZ9", "observations": good}
    api_refuses(db, lambda: post(json=unknown, headers=headers), 404, "traffic-detector-not-found")
    accepted = post(json={"detector": "A12", "observations": good}, headers=headers)
    assert accepted.status_code == 200, accepted.text


@pytest.mark.usefixtures("db")
def test_the_undamaged_files_are_accepted(tmp_path: Path) -> None:
    """The files the damage starts from are accepted as they are (so what is refused above is
    the damage): the TNTP and GMNS networks, demand as CSV, the scenario, the zone map and the
    count file."""
    folder = tmp_path / "gmns"
    folder.mkdir()
    (folder / "node.csv").write_text(GMNS_NODES, encoding="utf-8")
    (folder / "link.csv").write_text(GMNS_LINKS, encoding="utf-8")
    commands = [
        ["traffic", "import-network", "--name", "sf", "--tntp", str(NET), "--nodes", str(NODES),
         "--trips", str(TRIPS), "--period", "am"],
        ["traffic", "import-network", "--name", "gmns", "--gmns", str(folder)],
        ["traffic", "import-demand", "--network", "sf", write(tmp_path, "od.csv", _od_csv()),
         "--period", "pm"],
        ["traffic", "scenario", "create", write(tmp_path, "s.toml", SCENARIO)],
        ["traffic", "counts", "import", write(tmp_path, "a12.csv", _counts_csv()),
         "--timezone", "Europe/Rome", "--register-detectors"],
    ]  # fmt: skip
    for args in commands:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args[:2], result.output)
    assert "960 rows, 960 accepted" in result.stdout
    with session_scope() as session:
        network = traffic.get_network(session, "sf").id
    zones = write(tmp_path, "zones.csv", _zone_map())
    mapped = runner.invoke(app, ["traffic", "fare-zone-map", str(network), zones])
    assert mapped.exit_code == 0, mapped.output
    assert "24 zones mapped to 2 fare zones" in mapped.stdout

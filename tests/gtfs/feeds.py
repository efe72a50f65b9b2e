"""Feeds for validator tests: a small hand-written feed that is valid, and ways to break it.

`GOOD` covers every file the rules look at: a station with platforms, an entrance and a boarding
area; two routes; trips on weekdays, weekends and a holiday, one past midnight, one
frequency-based, two linked by an in-seat transfer; shapes; transfers; pathways with levels;
Fares v1 and Fares v2. Each test copies it, changes one thing, and validates the copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from gtfs.schedule.notices import Notice, Severity
from gtfs.schedule.reader import FeedSource
from gtfs.schedule.validator import ValidationReport, validate
from tests.conftest import GTFS_DIR

GOOD: dict[str, str] = {
    "agency.txt": """\
agency_id,agency_name,agency_url,agency_timezone,agency_lang,agency_phone
CTL,Coastal Transit Liguria,https://coastal.example.org,Europe/Rome,it,+39 010 000000
""",
    "levels.txt": """\
level_id,level_index,level_name
L0,0,Street
L1,-1,Platforms
""",
    "stops.txt": """\
stop_id,stop_code,stop_name,stop_desc,stop_lat,stop_lon,zone_id,location_type,parent_station,stop_timezone,wheelchair_boarding,level_id,platform_code
ST,,Genova Brignole,,44.4065,8.9461,,1,,,1,,
P1,,Genova Brignole binario 1,,44.4066,8.9462,Z1,0,ST,,1,L1,1
P2,,Genova Brignole binario 2,,44.4067,8.9463,Z1,0,ST,,1,L1,2
B2,,Binario 2 settore A,,,,,4,P2,,,L1,
E1,,Ingresso Piazza Verdi,,44.4064,8.9460,,2,ST,,,L0,
S1,101,Corso Buenos Aires,,44.4031,8.9498,Z1,0,,,1,,
S2,102,Sturla,,44.3952,8.9853,Z2,0,,,0,,
S3,103,Nervi,,44.3805,9.0376,Z2,0,,,1,,
""",
    "networks.txt": """\
network_id,network_name
N1,Rete urbana
""",
    "routes.txt": """\
route_id,agency_id,route_short_name,route_long_name,route_desc,route_type,route_color,route_text_color
R1,CTL,15,Brignole - Nervi,Via Corso Italia,3,0055A4,FFFFFF
R2,CTL,,Treno del levante,,2,C8102E,FFFFFF
""",
    "route_networks.txt": """\
network_id,route_id
N1,R1
N1,R2
""",
    "calendar.txt": """\
service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WD,1,1,1,1,1,0,0,20240101,20241231
WE,0,0,0,0,0,1,1,20240101,20241231
""",
    "calendar_dates.txt": """\
service_id,date,exception_type
WD,20240101,2
WE,20240101,1
HOL,20240815,1
""",
    "shapes.txt": """\
shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence,shape_dist_traveled
SH1,44.4031,8.9498,1,0
SH1,44.3952,8.9853,2,3.1
SH1,44.3805,9.0376,3,7.5
SH2,44.4066,8.9462,1,0
SH2,44.4031,8.9498,2,0.6
SH2,44.3952,8.9853,3,3.7
""",
    "trips.txt": """\
route_id,service_id,trip_id,trip_headsign,direction_id,block_id,shape_id
R1,WD,T1,Nervi,0,BK1,SH1
R1,WD,T2,Brignole,1,BK1,SH1
R2,WE,T3,Sturla,0,,SH2
R2,HOL,T4,Nervi,0,,
""",
    "stop_times.txt": """\
trip_id,arrival_time,departure_time,stop_id,stop_sequence,shape_dist_traveled,timepoint
T1,08:00:00,08:00:00,S1,1,0,1
T1,,,S2,2,3.1,0
T1,08:30:00,08:31:00,S3,3,7.5,1
T2,09:00:00,09:00:00,S3,1,,1
T2,09:15:00,09:15:00,S2,2,,1
T2,09:30:00,09:30:00,S1,3,,1
T3,23:50:00,23:50:00,P1,1,0,1
T3,24:05:00,24:06:00,S1,2,0.6,1
T3,24:20:00,24:20:00,S2,3,3.7,1
T4,10:00:00,10:00:00,P2,1,,1
T4,10:15:00,10:15:00,S3,2,,1
""",
    "frequencies.txt": """\
trip_id,start_time,end_time,headway_secs,exact_times
T4,10:00:00,12:00:00,600,0
T4,12:00:00,14:00:00,1200,0
""",
    "transfers.txt": """\
from_stop_id,to_stop_id,from_route_id,to_route_id,from_trip_id,to_trip_id,transfer_type,min_transfer_time
S1,P1,,,,,2,180
ST,ST,,,,,0,
S3,S3,,,T1,T2,4,
""",
    "pathways.txt": """\
pathway_id,from_stop_id,to_stop_id,pathway_mode,is_bidirectional,length,traversal_time,stair_count
PW1,E1,P1,1,1,40,60,
PW2,E1,B2,2,1,,90,-24
PW3,P1,E1,7,0,,10,
PW4,E1,B2,5,1,,45,
""",
    "fare_attributes.txt": """\
fare_id,price,currency_type,payment_method,transfers,agency_id,transfer_duration
F1,2.00,EUR,0,,CTL,5400
F2,3.50,EUR,1,0,CTL,
""",
    "fare_rules.txt": """\
fare_id,route_id,origin_id,destination_id,contains_id
F1,R1,Z1,Z1,
F2,R1,Z1,Z2,
F2,R2,,,
""",
    "timeframes.txt": """\
timeframe_group_id,start_time,end_time,service_id
PEAK,07:00:00,09:00:00,WD
OFFPEAK,00:00:00,07:00:00,WD
OFFPEAK,09:00:00,24:00:00,WD
ALLDAY,,,WE
""",
    "rider_categories.txt": """\
rider_category_id,rider_category_name,is_default_fare_category,eligibility_url
ADULT,Adulti,1,
YOUTH,Giovani,0,https://coastal.example.org/giovani
""",
    "fare_media.txt": """\
fare_media_id,fare_media_name,fare_media_type
CARD,Carta Coastal,2
APP,App Coastal,4
""",
    "fare_products.txt": """\
fare_product_id,fare_product_name,rider_category_id,fare_media_id,amount,currency
SINGLE,Corsa singola,ADULT,CARD,1.50,EUR
SINGLE,Corsa singola,YOUTH,CARD,1.00,EUR
SINGLE,Corsa singola,ADULT,APP,1.40,EUR
XFER,Integrazione,,,0.50,EUR
""",
    "areas.txt": """\
area_id,area_name
A1,Centro
A2,Levante
""",
    "stop_areas.txt": """\
area_id,stop_id
A1,S1
A1,ST
A2,S2
A2,S3
""",
    "fare_leg_rules.txt": """\
leg_group_id,network_id,from_area_id,to_area_id,from_timeframe_group_id,to_timeframe_group_id,fare_product_id,rule_priority
LG1,N1,A1,A2,PEAK,,SINGLE,1
LG1,N1,A2,A1,,,SINGLE,0
""",
    "fare_transfer_rules.txt": """\
from_leg_group_id,to_leg_group_id,transfer_count,duration_limit,duration_limit_type,fare_transfer_type,fare_product_id
LG1,LG1,1,5400,1,0,XFER
""",
    "feed_info.txt": """\
feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date,feed_version
Coastal Mobility,https://coastal.example.org,it,20240101,20241231,2024.1
""",
}


def write_feed(folder: Path, files: Mapping[str, str | bytes]) -> Path:
    """A feed folder with these files (text is written as UTF-8, bytes as they are)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return folder


def replace(file: str, old: str, new: str) -> str:
    """GOOD[file] with `old` (which must occur exactly once) replaced by `new`."""
    text = GOOD[file]
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}"
    return text.replace(old, new)


def line_of(file: str, fragment: str, text: str | None = None) -> int:
    """The 1-based line of GOOD[file] (or `text`) that contains `fragment`, exactly once."""
    lines = (GOOD[file] if text is None else text).splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if fragment in line]
    assert len(hits) == 1, f"{fragment!r} is on lines {hits} of {file}"
    return hits[0]


def edited(
    tmp_path: Path,
    changes: Mapping[str, str | bytes] | None = None,
    drop: tuple[str, ...] = (),
) -> Path:
    """A copy of GOOD in `tmp_path`, with some files replaced or added and others left out."""
    files: dict[str, str | bytes] = {k: v for k, v in GOOD.items() if k not in drop}
    files.update(changes or {})
    return write_feed(tmp_path / "feed", files)


def check(
    tmp_path: Path,
    changes: Mapping[str, str | bytes] | None = None,
    drop: tuple[str, ...] = (),
) -> ValidationReport:
    """Validate a copy of GOOD with these changes."""
    return validate(FeedSource(edited(tmp_path, changes, drop)))


def errors(report: ValidationReport) -> list[Notice]:
    return [n for n in report.notices.all_samples() if n.severity is Severity.ERROR]


def only(report: ValidationReport, code: str) -> Notice:
    """The single notice with this code (fails, listing every notice, otherwise)."""
    found = report.notices.find(code)
    listing = "\n".join(n.as_text() for n in report.notices.all_samples())
    assert len(found) == 1, f"expected one {code}, got {len(found)}:\n{listing}"
    return found[0]


def assert_notice(
    report: ValidationReport,
    code: str,
    severity: Severity,
    file: str | None,
    line: int | None,
    field: str | None = None,
) -> Notice:
    """Exactly one `code` notice, with this severity and place."""
    notice = only(report, code)
    assert (notice.severity, notice.file, notice.line, notice.field) == (
        severity,
        file,
        line,
        field,
    ), notice.as_text()
    return notice


def manifest_feeds() -> list[str]:
    """The zip files the shared MANIFEST.md lists (empty when the folder is absent)."""
    manifest = GTFS_DIR / "MANIFEST.md"
    if not manifest.exists():
        return []
    names: list[str] = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `") and ".zip`" in line:
            names.append(line.split("`")[1])
    return list(dict.fromkeys(names))

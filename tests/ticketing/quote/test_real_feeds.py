"""Every shared feed with fares priced through POST /v1/fares/quote, on both databases.

Each expected amount was worked out by hand from the feed's own CSV files (the rows are cited
in the docstrings, line numbers counting the header as line 1) and the GTFS Fares semantics:
a fare_leg_rules row applies when each filled field matches the leg, the product row of the
rider's category is charged, and a fare_transfer_rules row of type 0 charges A + AB. Times
come from stop_times.txt, as wall-clock times in the agency's timezone on the day chosen.
The feeds are imported once per database for the whole module: the tests only read.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gtfs.importer import import_feed
from mobility.db import make_engine, reset_engine_cache
from mobility.migrate import upgrade
from mobility.settings import get_settings
from services.app import create_app
from tests.conftest import empty_database, shared_feed
from tests.ticketing.quote import amounts, leg, post_quote, problem

ZAK = "pl_zakroczym_faresv2_2025-11.zip"
SVRTA = "us_oh_svrta_faresv2_2024-10.zip"
TC = "ca_transcollines_fares_2026-04.zip"
GOOGLE = "sample_google_sample-feed-1.zip"
BCF = "ca_bc_inland_ferries_2024.zip"
FEEDS = {"zak": ZAK, "svrta": SVRTA, "tc": TC, "bcf": BCF, "g": GOOGLE}


@pytest.fixture(scope="module")
def versions(database_url: str) -> Iterator[dict[str, int]]:
    """The five feeds imported into this run's database; their version ids by feed id."""
    paths = {feed_id: shared_feed(name) for feed_id, name in FEEDS.items()}
    eng = make_engine(database_url)
    upgrade(eng)
    try:
        yield {
            feed_id: import_feed(eng, path, feed_id).version_id for feed_id, path in paths.items()
        }
    finally:
        empty_database(eng)
        eng.dispose()


@pytest.fixture(scope="module")
def client(database_url: str, versions: dict[str, int]) -> Iterator[TestClient]:  # noqa: ARG001
    """The API on that database (no lifespan: nothing here needs Redis)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", database_url)
        mp.setenv("LOAD_SAMPLE_DATA", "false")
        get_settings.cache_clear()
        reset_engine_cache()
        try:
            with TestClient(create_app(check_migrations=False)) as made:
                yield made
        finally:
            get_settings.cache_clear()
            reset_engine_cache()


# -- Zakroczym (PL): areas, rider categories, fare media ----------------------------------

# Trip 10-1 (route Z1, service 10-1: weekdays 2025-11-11..2026-12-31), Monday 2025-11-17, CET.
ZAK_100_125 = leg(
    "zak", "Z1", "100", "125", "2025-11-17T04:05:00+01:00", "2025-11-17T04:56:00+01:00"
)


def test_zakroczym_zone_1_to_3_single_ride(client: TestClient, versions: dict[str, int]) -> None:
    """Stop 100 is area 1 (stop_areas.txt:2), 125 area 3 (:32): flr_13 (fare_leg_rules.txt:7)
    sells single_ride_zones13_normal, 5.00 PLN for category 0 on medium 0 (fare_products.txt:6),
    and category 0 is the default (rider_categories.txt:2, is_default_fare_category=1)."""
    q = post_quote(client, ZAK_100_125)
    assert q["total"] == {"amount": 500, "currency": "PLN"}
    assert (q["fares_version"], q["feed"], q["feed_version_id"]) == ("v2", "zak", versions["zak"])
    assert q["rider_category_id"] == "0"
    [line] = q["lines"]
    assert line["legs"] == [0]
    assert line["fare_product_id"] == "single_ride_zones13_normal"
    assert (line["rider_category_id"], line["fare_media_id"]) == ("0", "0")
    assert line["rule"] == {"file": "fare_leg_rules.txt", "line": 7, "key": "flr_13"}
    # Naming the default category and its medium changes nothing.
    assert post_quote(client, ZAK_100_125, rider_category="0", fare_media_id="0") == q


def test_zakroczym_ride_within_zone_1_is_free(client: TestClient) -> None:
    """100 -> 115 (stop_times.txt:19, 04:35) stays in area 1 (stop_areas.txt:2 and :18):
    flr_1 (fare_leg_rules.txt:2), single_ride_zone1_normal at 0.00 PLN (fare_products.txt:2)."""
    q = post_quote(
        client,
        leg("zak", "Z1", "100", "115", "2025-11-17T04:05:00+01:00", "2025-11-17T04:35:00+01:00"),
    )
    assert q["total"] == {"amount": 0, "currency": "PLN"}
    assert q["lines"][0]["rule"]["key"] == "flr_1"


def test_zakroczym_categories_and_media_not_sold(client: TestClient) -> None:
    """Seniors (category 3) and the monthly-ticket medium 1 have no single-ride product
    (fare_products.txt:2-7 are category 0, medium 0): no fare applies; category 9 is unknown."""
    body = problem(client, 422, "no-fare-applies", ZAK_100_125, rider_category="3")
    assert "rider category '3'" in body["detail"]
    problem(client, 422, "no-fare-applies", ZAK_100_125, fare_media_id="1")
    body = problem(client, 422, "unknown-rider-category", ZAK_100_125, rider_category="9")
    assert "0, 1, 2, 3" in body["detail"]
    problem(client, 422, "unknown-fare-media", ZAK_100_125, fare_media_id="card")


# -- SVRTA (US-OH): networks and a fare transfer rule -------------------------------------

# Tuesday 2024-10-15 (service 1), EDT. Blue-1-OB-1-AM: stop 1 07:00 -> 17 07:12
# (stop_times.txt:2,6); Red-1-OB-2-Full: 1 07:30 -> 30 08:25 (stop_times.txt:418,449);
# Rayland-OB-Full-2: 1 09:30 -> 122 10:00 (stop_times.txt:2002,2011).
BLUE = leg("svrta", "Blue", "1", "17", "2024-10-15T07:00:00-04:00", "2024-10-15T07:12:00-04:00")
RED = leg("svrta", "Red", "1", "30", "2024-10-15T07:30:00-04:00", "2024-10-15T08:25:00-04:00")
RAYLAND = leg(
    "svrta", "RaylandTripper", "1", "122", "2024-10-15T09:30:00-04:00", "2024-10-15T10:00:00-04:00"
)


def test_svrta_single_local_ride(client: TestClient) -> None:
    """Blue is network local (route_networks.txt:5): leg group local (fare_leg_rules.txt:2)
    sells local_adult, 0.50 USD in cash (fare_products.txt:4)."""
    q = post_quote(client, BLUE)
    assert q["total"] == {"amount": 50, "currency": "USD"}
    assert amounts(q) == [([0], 50, "local_adult")]
    assert q["lines"][0]["rule"] == {"file": "fare_leg_rules.txt", "line": 2, "key": "local"}
    assert q["rider_category_id"] is None  # the feed has no rider_categories.txt


def test_svrta_local_transfer_is_free(client: TestClient) -> None:
    """Blue then Red, both local: fare_transfer_rules.txt:2 (local->local, type 0 = A + AB,
    unlimited transfers, no time limit) adds free_transfer at 0.00 USD (fare_products.txt:9),
    so the two rides cost one local_adult, 0.50 USD; a third local ride is still covered."""
    q = post_quote(client, BLUE, RED)
    assert q["total"] == {"amount": 50, "currency": "USD"}
    assert amounts(q) == [
        ([0], 50, "local_adult"),
        ([0, 1], 0, "free_transfer"),
        ([1], 0, "local_adult"),
    ]
    assert q["lines"][1]["rule"] == {
        "file": "fare_transfer_rules.txt",
        "line": 2,
        "key": "local->local",
    }
    assert q["lines"][1]["currency"] == "USD"
    back = leg("svrta", "Blue", "17", "1", "2024-10-15T08:40:00-04:00", "2024-10-15T09:00:00-04:00")
    assert post_quote(client, BLUE, RED, back)["total"]["amount"] == 50


def test_svrta_no_transfer_into_rayland(client: TestClient) -> None:
    """RaylandTripper is network rayland (route_networks.txt:2, product rayland 3.00 USD at
    fare_products.txt:2) and no transfer rule joins local to rayland: 0.50 + 3.00 USD."""
    q = post_quote(client, BLUE, RAYLAND, fare_media_id="cash")
    assert q["total"] == {"amount": 350, "currency": "USD"}
    assert amounts(q) == [([0], 50, "local_adult"), ([1], 300, "rayland")]


# -- Transcollines (CA-QC): areas and a timeframe of service dates ------------------------

TC_TRIP_ROUTE = "910"  # trip 20260105-Semaine-01-910-0-0517 (service 20260105-Semaine-01)


def _tc(from_stop: str, to_stop: str, dep: str, arr: str, day: str = "2026-04-15") -> dict:
    return leg("tc", TC_TRIP_ROUTE, from_stop, to_stop, f"{day}T{dep}-04:00", f"{day}T{arr}-04:00")


def test_transcollines_pontiac_to_gatineau(client: TestClient) -> None:
    """F134-01 is area PNT (stop_areas.txt:140), F912-51 area GAT (:405); route 910 is network
    REG (routes.txt:2); on 2026-04-15 timeframe GT-2026 holds (timeframes.txt:2: service
    FARES-GT-2026-1, every day 2026-01-05..2026-08-23): REG-PNT-GAT (fare_leg_rules.txt:8)
    sells PS-2000, 20.00 CAD (fare_products.txt:3). Trip times 05:17 and 07:31."""
    q = post_quote(client, _tc("F134-01", "F912-51", "05:17:00", "07:31:00"))
    assert q["total"] == {"amount": 2000, "currency": "CAD"}
    assert amounts(q) == [([0], 2000, "PS-2000")]
    assert q["lines"][0]["rule"] == {"file": "fare_leg_rules.txt", "line": 8, "key": "REG-PNT-GAT"}


def test_transcollines_within_gatineau_and_after_the_timeframe(client: TestClient) -> None:
    """No fare_leg_rules row is GAT -> GAT (L910-01 06:59 and F912-51 07:31 are both GAT), and
    after 2026-08-23 GT-2026 no longer holds, which every row requires: no fare applies."""
    body = problem(
        client, 422, "no-fare-applies", _tc("L910-01", "F912-51", "06:59:00", "07:31:00")
    )
    assert "leg 0" in body["detail"]
    late = _tc("F134-01", "F912-51", "05:17:00", "07:31:00", day="2026-09-01")
    problem(client, 422, "no-fare-applies", late)


# -- BC Inland Ferries (CA-BC): one free product for every leg ----------------------------


def test_bc_inland_ferries_are_free(client: TestClient) -> None:
    """fare_leg_rules.txt:2 names only fare_product_id (free), so it matches every leg:
    0.00 CAD (fare_products.txt:2). KOOTLK_R01 06:30 -> 07:05, KOOTLK_R02 07:10 -> 07:45
    (stop_times.txt:2-5), 2024-07-02, PDT."""
    out = leg(
        "bcf",
        "KOOTLK",
        "KOOTLK_1",
        "KOOTLK_2",
        "2024-07-02T06:30:00-07:00",
        "2024-07-02T07:05:00-07:00",
    )
    back = leg(
        "bcf",
        "KOOTLK",
        "KOOTLK_2",
        "KOOTLK_1",
        "2024-07-02T07:10:00-07:00",
        "2024-07-02T07:45:00-07:00",
    )
    q = post_quote(client, out, back)
    assert q["total"] == {"amount": 0, "currency": "CAD"}
    assert amounts(q) == [([0], 0, "free"), ([1], 0, "free")]
    assert q["lines"][0]["rule"] == {"file": "fare_leg_rules.txt", "line": 2, "key": ""}


# -- Google sample feed: Fares v1 ---------------------------------------------------------

# 2007-06-04, PDT. STBA: STAGECOACH 06:00 -> BEATTY_AIRPORT 06:20 (stop_times.txt:2-3);
# AB1: BEATTY_AIRPORT 08:00 -> BULLFROG 08:10 (:14-15); AAMV1: BEATTY_AIRPORT 08:00 -> AMV 09:00.
STBA = leg(
    "g",
    "STBA",
    "STAGECOACH",
    "BEATTY_AIRPORT",
    "2007-06-04T06:00:00-07:00",
    "2007-06-04T06:20:00-07:00",
)
AB = leg(
    "g",
    "AB",
    "BEATTY_AIRPORT",
    "BULLFROG",
    "2007-06-04T08:00:00-07:00",
    "2007-06-04T08:10:00-07:00",
)


def test_google_v1_fares(client: TestClient) -> None:
    """Fares v1: STBA and AB are fare p (fare_rules.txt:3 and :2), 1.25 USD with transfers=0
    (fare_attributes.txt:2), so the two rides cost 2 x 1.25; AAMV is fare a (fare_rules.txt:5),
    5.25 USD (fare_attributes.txt:3)."""
    q = post_quote(client, STBA, AB)
    assert (q["fares_version"], q["total"]) == ("v1", {"amount": 250, "currency": "USD"})
    assert amounts(q) == [([0], 125, "p"), ([1], 125, "p")]
    assert [ln["rule"] for ln in q["lines"]] == [
        {"file": "fare_rules.txt", "line": 3, "key": "p"},
        {"file": "fare_rules.txt", "line": 2, "key": "p"},
    ]
    aamv = leg(
        "g",
        "AAMV",
        "BEATTY_AIRPORT",
        "AMV",
        "2007-06-09T08:00:00-07:00",
        "2007-06-09T09:00:00-07:00",
    )
    assert post_quote(client, aamv)["total"] == {"amount": 525, "currency": "USD"}


def test_google_v1_route_without_fare(client: TestClient) -> None:
    """Route CITY has no fare_rules row and every fare is route-bound: no fare applies."""
    city = leg(
        "g", "CITY", "STAGECOACH", "EMSI", "2007-06-04T06:00:00-07:00", "2007-06-04T06:26:00-07:00"
    )
    body = problem(
        client,
        422,
        "no-fare-applies",
        STBA | {"departure": "2007-06-04T05:00:00-07:00", "arrival": "2007-06-04T05:20:00-07:00"},
        city,
    )
    assert "leg 1" in body["detail"]

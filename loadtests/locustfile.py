"""Load test users: travellers reading departures, travellers planning and pricing trips,
gates validating passes.

Run against a server on this machine only (127.0.0.1), e.g.:

    LOADTEST_STOPS=prato:1412,prato:0956 \\
    LOADTEST_GATE_ID=G1 LOADTEST_GATE_KEY=mob_... LOADTEST_KEYRING=var/signing-keys.json \\
    .venv/bin/locust -f loadtests/locustfile.py --host http://127.0.0.1:8000 \\
        --headless -u 50 -r 10 -t 60s

or one user class alone, named last:

    .venv/bin/locust -f loadtests/locustfile.py --host http://127.0.0.1:8000 \\
        --headless -u 10 -r 5 -t 30s TripPlanner

`TripPlanner` plans journeys (leaving now, a 60-minute range, arriving by a time) between
places, prices a planned itinerary's rides through POST /v1/fares/quote, and asks group quotes.
Its variables, with defaults for the bundled Prato sample feed (CAP, 2016):

    LOADTEST_DATE           service day planned on (2016-04-12, a Tuesday the feed runs; empty:
                            the server's today)
    LOADTEST_PLACES         ';'-separated LAT,LON or FEED:STOP_ID (default: eight Prato stops'
                            coordinates, from the station to Maliseti and the hospital)
    LOADTEST_HOURS          local hours trips leave in, e.g. 6-21: the time of day is now's when
                            it falls inside, a random one inside otherwise
    LOADTEST_TIMEZONE       the server's TIMEZONE, in which `now` is read (Europe/Rome)
    LOADTEST_GROUP_PRODUCT  catalogue product of group quotes (COSTA-DAY, data/sample/tariffs.toml)

An empty journeys list, and a quote answered 422 because the feed publishes no fares (the Prato
sample has none) or no fare applies, are legitimate answers: they are counted, logged when the
test stops, and not failures.

Gate users need a gate and its API key (POST /v1/gates answers with the key once) and the
issuer's keyring file, to issue passes the way the ticket office would; each request carries
a fresh device proof, as the traveller's app shows one every 15 s. Without those variables
only traveller users run.
"""

from __future__ import annotations

import logging
import os
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from locust import HttpUser, between, events, task
from locust.clients import ResponseContextManager

STOPS = [s for s in os.environ.get("LOADTEST_STOPS", "prato:1412").split(",") if s]
GATE_ID = os.environ.get("LOADTEST_GATE_ID", "")
GATE_KEY = os.environ.get("LOADTEST_GATE_KEY", "")
KEYRING = os.environ.get("LOADTEST_KEYRING", "")
PASSES_PER_GATE_USER = 50

# Stops of the Prato sample feed (stops.txt), the busiest of the city and its outskirts.
PRATO_PLACES = (
    "43.87860,11.10901",  # P.za Stazione (Prato Centrale), 1412
    "43.88038,11.10097",  # P.zza Mercatale, 2030
    "43.88566,11.09699",  # P.zza Ciardi, 2003
    "43.85947,11.10737",  # Piazzale del Museo, 1941
    "43.86165,11.09308",  # Ferraris, 2727
    "43.89830,11.07206",  # Maliseti, 1475
    "43.88915,11.06382",  # Ospedale, 1954
    "43.82672,11.02094",  # Pistoiese, 0885
)
# The sample feed runs from 2016-04-07 to 2016-12-31 (calendar_dates.txt); a school-term Tuesday.
TRIP_DATE = os.environ.get("LOADTEST_DATE", "2016-04-12")
PLACES = [
    place.strip()
    for place in os.environ.get("LOADTEST_PLACES", ";".join(PRATO_PLACES)).split(";")
    if place.strip()
]
TRIP_HOURS = tuple(int(h) for h in os.environ.get("LOADTEST_HOURS", "6-21").split("-", 1))
TRIP_ZONE = ZoneInfo(os.environ.get("LOADTEST_TIMEZONE", "Europe/Rome"))
GROUP_PRODUCT = os.environ.get("LOADTEST_GROUP_PRODUCT", "COSTA-DAY")
# Answers of POST /v1/fares/quote that say "no price" rather than "broken".
UNPRICED_PROBLEMS = ("no-fares-in-feed", "no-fare-applies")
JOURNEYS = "/v1/journeys"
MAX_ITINERARIES = 20

log = logging.getLogger("loadtests")
outcomes: Counter[str] = Counter()  # legitimate answers worth counting, logged at the end


class Traveller(HttpUser):
    """The app: stops around the user, then a departures board."""

    wait_time = between(0.5, 2.0)

    @task(3)
    def departures(self) -> None:
        stop = random.choice(STOPS)
        self.client.get(f"/v1/stops/{stop}/departures", name="/v1/stops/{ref}/departures")

    @task(1)
    def stops_near(self) -> None:
        lat = 43.88 + random.uniform(-0.02, 0.02)
        lon = 11.09 + random.uniform(-0.02, 0.02)
        self.client.get(f"/v1/stops?near={lat:.5f},{lon:.5f}&radius_m=500", name="/v1/stops?near")


Journey = dict[str, Any]


def _ref(ref: str) -> tuple[str, str]:
    """FEED:ID as (feed, id)."""
    feed, _, local_id = ref.partition(":")
    return feed, local_id


def _leave_at(now: datetime, offset_min: float = 0) -> str:
    """Now's local time of day plus an offset when inside TRIP_HOURS, a random time inside
    otherwise (the sample feed's date is in the past: only the time of day is now's)."""
    first, last = TRIP_HOURS
    moment = now.astimezone(TRIP_ZONE) + timedelta(minutes=offset_min)
    if not first <= moment.hour < last:
        minute = random.randrange(first * 60, last * 60)
        return time(minute // 60, minute % 60).strftime("%H:%M")
    return moment.strftime("%H:%M")


def _trip_params(**extra: str | int) -> dict[str, str | int]:
    origin, destination = random.sample(PLACES, 2)
    params: dict[str, str | int] = {"from": origin, "to": destination}
    if TRIP_DATE:
        params["date"] = TRIP_DATE
    params.update(extra)
    return params


def _problem_type(response: ResponseContextManager) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("type", "")).rsplit("/", 1)[-1] if isinstance(body, dict) else ""


def _is_journey(journey: object) -> bool:
    return isinstance(journey, dict) and bool(journey.get("legs")) and "price" in journey


def _has_total(response: ResponseContextManager) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "total" in body


def _journeys(response: ResponseContextManager, label: str) -> list[Journey]:
    """The journeys of a 200 answer; otherwise the request is marked failed. An empty list is
    a legitimate answer (no service between two places at that time): counted, not failed."""
    if response.status_code != 200:
        response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
        return []
    try:
        journeys = response.json()["journeys"]
    except (ValueError, KeyError, TypeError):
        response.failure("no journeys in the body")
        return []
    if not isinstance(journeys, list) or not all(_is_journey(j) for j in journeys):
        response.failure("journeys without legs or price")
        return []
    response.success()
    outcomes[f"journeys {label}: {'found' if journeys else 'empty'}"] += 1
    return journeys


def _rides(journey: Journey) -> list[dict[str, Any]]:
    return [leg for leg in journey["legs"] if leg["mode"] != "walk" and leg.get("route")]


def _quote_leg(leg: dict[str, Any]) -> dict[str, Any]:
    """A ride of a planned journey as POST /v1/fares/quote takes it: ids within its feed."""
    feed, route_id = _ref(leg["route"])
    return {
        "feed": feed,
        "route_id": route_id,
        "from_stop_id": _ref(leg["from_stop"]["ref"])[1],
        "to_stop_id": _ref(leg["to_stop"]["ref"])[1],
        "departure": leg["departure"],
        "arrival": leg["arrival"],
        "via_stop_ids": [_ref(call["ref"])[1] for call in leg["intermediate_stops"]],
    }


def quote_requests(journey: Journey) -> Iterator[dict[str, Any]]:
    """One quote request per feed, as each feed's fares price only their own rides."""
    legs = [_quote_leg(leg) for leg in _rides(journey)]
    for _, feed_legs in groupby(legs, key=lambda leg: leg["feed"]):
        yield {"legs": list(feed_legs)}


class TripPlanner(HttpUser):
    """The app's journey planner: plan between two places, compare, price the chosen one."""

    wait_time = between(1.0, 4.0)

    def on_start(self) -> None:
        self.itineraries: list[Journey] = []

    def _plan(self, label: str, **extra: str | int) -> list[Journey]:
        with self.client.get(
            JOURNEYS,
            params=_trip_params(**extra),
            name=f"{JOURNEYS} [{label}]",
            catch_response=True,
        ) as response:
            journeys = _journeys(response, label)
        priced = [j for j in journeys if _rides(j)]
        self.itineraries = (priced + self.itineraries)[:MAX_ITINERARIES]
        return journeys

    @task(6)
    def plan_depart(self) -> None:
        self._plan("depart", time=_leave_at(datetime.now(UTC), random.uniform(0, 10)))

    @task(2)
    def plan_range(self) -> None:
        self._plan("range", time=_leave_at(datetime.now(UTC)), window_min=60)

    @task(2)
    def plan_arrive_by(self) -> None:
        at = _leave_at(datetime.now(UTC), random.uniform(30, 90))
        self._plan("arrive_by", time=at, arrive_by="true")

    @task(3)
    def price_itinerary(self) -> None:
        if not self.itineraries:
            self.plan_depart()
            return
        for body in quote_requests(random.choice(self.itineraries)):
            self._quote(body)

    def _quote(self, body: dict[str, Any]) -> None:
        with self.client.post(
            "/v1/fares/quote", json=body, name="/v1/fares/quote", catch_response=True
        ) as response:
            if response.status_code == 200 and _has_total(response):
                outcomes["quote: priced"] += 1
                response.success()
            elif response.status_code == 422 and _problem_type(response) in UNPRICED_PROBLEMS:
                outcomes[f"quote: {_problem_type(response)}"] += 1
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")

    @task(1)
    def group_quote(self) -> None:
        members = {"adult": random.randint(1, 4), "child": random.randint(0, 4)}
        with self.client.post(
            "/v1/fares/group-quote",
            json={"product_id": GROUP_PRODUCT, "members": members},
            name="/v1/fares/group-quote",
            catch_response=True,
        ) as response:
            if response.status_code == 200 and _has_total(response):
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")


@events.test_stop.add_listener
def _log_outcomes(**_kwargs: object) -> None:
    for outcome, count in sorted(outcomes.items()):
        log.info("%s: %d", outcome, count)


class Gate(HttpUser):
    """A gate controller validating passes online, one scan every 0.2-1 s."""

    wait_time = between(0.2, 1.0)
    weight = 1 if GATE_ID and GATE_KEY and KEYRING else 0

    def on_start(self) -> None:
        from access_control.keys import load_keyring_file
        from access_control.proof import DeviceKey
        from access_control.tokens import PassClaims, issue_pass_token
        from mobility.settings import get_settings

        settings = get_settings()
        ring = load_keyring_file(Path(KEYRING))
        now = datetime.now(UTC)
        self.passes = []
        for _ in range(PASSES_PER_GATE_USER):
            device, jti = DeviceKey.generate(), uuid.uuid4().hex
            claims = PassClaims(
                pass_id="load-" + jti[:12],
                product="day",
                rider_category="adult",
                operators=("*",),
                networks=("*",),
                zones=("*",),
                valid_from=now - timedelta(minutes=1),
                valid_until=now + timedelta(hours=12),
                single_use=False,
                device_key=device.public_bytes,
            )
            token = issue_pass_token(
                claims,
                ring,
                issuer=settings.pass_token_issuer,
                audience=settings.pass_token_audience,
                now=now,
                token_id=jti,
            )
            self.passes.append((token, jti, device))

    @task
    def validate(self) -> None:
        from access_control.qr import format_payload

        token, jti, device = random.choice(self.passes)
        payload = format_payload(token, device.prove(jti, datetime.now(UTC)))
        self.client.post(
            f"/v1/gates/{GATE_ID}/validate",
            json={"payload": payload},
            headers={"Authorization": f"ApiKey {GATE_KEY}"},
            name="/v1/gates/{id}/validate",
        )

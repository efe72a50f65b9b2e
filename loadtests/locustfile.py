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

`Buyer` is a traveller with an account: registers (once per simulated user), buys a 90-minute
ticket (`POST /v1/orders` with an Idempotency-Key, paid with the sandbox's test card through
`/confirm`), lists its passes and shows one (its signed token, then the QR code). It runs when
LOADTEST_BUYERS=1 and the server's payment provider is the sandbox (AUTH_RATE_LIMIT must allow
one registration per user; `loadtests/run.sh` sets both).

`Planner` (LOADTEST_PLANNER_TOKEN: an access token with traffic:read and traffic:manage)
lists road networks, runs a small congestion scenario (one link of LOADTEST_NETWORK closed,
default `sioux-falls`, period LOADTEST_PERIOD `am`), polls it until the worker has run it and
reads its per-link results and its comparison with a base run.

`Logistics` (LOADTEST_FREIGHT_TOKEN: freight:plan, with an organisation) asks door-to-door
container routes (`POST /v1/freight/routes`) and fleet plans (`POST /v1/freight/fleet-plans`)
on the freight data set (`mobility freight load`). An endpoint answering 404 (not deployed on
this server) stops that task for the user, with one line saying so, instead of failing.

Gate users need a gate and its API key (POST /v1/gates answers with the key once) and the
issuer's keyring file, to issue passes the way the ticket office would; each request carries
a fresh device proof, as the traveller's app shows one every 15 s. Without those variables
only traveller users run.
"""

from __future__ import annotations

import base64
import logging
import os
import random
import time as clock
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
REPRESENTED_SHARE = 0.1  # of scans: a pass already seen at this gate (passback at an entry)

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
    """A gate controller validating passes online, one scan every 0.2-1 s: mostly a rider not
    seen yet (a new pass), sometimes one presenting again (refused as passback at an entry)."""

    wait_time = between(0.2, 1.0)
    weight = 1 if GATE_ID and GATE_KEY and KEYRING else 0

    def on_start(self) -> None:
        from access_control.keys import load_keyring_file
        from mobility.settings import get_settings

        self.settings = get_settings()
        self.ring = load_keyring_file(Path(KEYRING))
        self.passes: list[tuple[str, str, Any]] = []

    def _issue(self) -> tuple[str, str, Any]:
        """A day pass issued the way the ticket office does (the issuer's keyring)."""
        from access_control.proof import DeviceKey
        from access_control.tokens import PassClaims, issue_pass_token

        now = datetime.now(UTC)
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
            self.ring,
            issuer=self.settings.pass_token_issuer,
            audience=self.settings.pass_token_audience,
            now=now,
            token_id=jti,
        )
        issued = (token, jti, device)
        self.passes = [issued, *self.passes][:PASSES_PER_GATE_USER]
        return issued

    @task
    def validate(self) -> None:
        from access_control.qr import format_payload

        again = self.passes and random.random() < REPRESENTED_SHARE
        token, jti, device = random.choice(self.passes) if again else self._issue()
        payload = format_payload(token, device.prove(jti, datetime.now(UTC)))
        with self.client.post(
            f"/v1/gates/{GATE_ID}/validate",
            json={"payload": payload},
            headers={"Authorization": f"ApiKey {GATE_KEY}"},
            name="/v1/gates/{id}/validate",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                return
            outcomes[f"gate: {response.json()['code']}"] += 1


# -- travellers with an account: buy, then show the pass ---------------------------------

BUYERS = os.environ.get("LOADTEST_BUYERS", "") == "1"
BUY_PRODUCT = os.environ.get("LOADTEST_BUY_PRODUCT", "SP-90")
BUYER_PASSWORD = "load test passphrase 42"


class Buyer(HttpUser):
    """The app of a registered traveller: buys a ticket, then shows its pass at the gate."""

    wait_time = between(2.0, 6.0)
    weight = 1 if BUYERS else 0

    def on_start(self) -> None:
        from access_control.proof import DeviceKey

        self.device = DeviceKey.generate()
        self.device_key = base64.urlsafe_b64encode(self.device.public_bytes).rstrip(b"=").decode()
        email = f"load-{uuid.uuid4().hex[:12]}@example.it"
        account = {"email": email, "password": BUYER_PASSWORD, "display_name": "Load test"}
        self.headers: dict[str, str] = {}
        self.pass_ids: list[str] = []
        with self.client.post(
            "/v1/auth/register", json=account, name="/v1/auth/register", catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                return
        login = {"grant_type": "password", "email": email, "password": BUYER_PASSWORD}
        with self.client.post(
            "/v1/auth/token", json=login, name="/v1/auth/token", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                return
            self.headers = {"Authorization": f"Bearer {response.json()['access_token']}"}

    @task(1)
    def buy(self) -> None:
        if not self.headers:
            return
        body = {"lines": [{"product_id": BUY_PRODUCT}], "device_key": self.device_key}
        with self.client.post(
            "/v1/orders",
            json=body,
            headers={**self.headers, "Idempotency-Key": uuid.uuid4().hex},
            name="/v1/orders",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                return
            order_id = response.json()["id"]
        with self.client.post(
            f"/v1/orders/{order_id}/confirm",
            json={"payment_method": "pm_card_visa"},
            headers=self.headers,
            name="/v1/orders/{id}/confirm",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or response.json().get("status") != "fulfilled":
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                return
            self.pass_ids = (response.json()["pass_ids"] + self.pass_ids)[:10]

    @task(3)
    def show_pass(self) -> None:
        if not self.pass_ids:
            self.buy()
            return
        self.client.get("/v1/passes", headers=self.headers, name="/v1/passes")
        pass_id = random.choice(self.pass_ids)
        with self.client.get(
            f"/v1/passes/{pass_id}/token",
            headers=self.headers,
            name="/v1/passes/{id}/token",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                return
            jti = response.json()["jti"]
        proof = self.device.prove(jti, datetime.now(UTC))
        self.client.get(
            f"/v1/passes/{pass_id}/qr",
            params={"format": "svg", "jti": jti, "proof": proof},
            headers=self.headers,
            name="/v1/passes/{id}/qr",
        )


# -- planners: congestion scenarios ------------------------------------------------------

PLANNER_TOKEN = os.environ.get("LOADTEST_PLANNER_TOKEN", "")
NETWORK = os.environ.get("LOADTEST_NETWORK", "sioux-falls")
PERIOD = os.environ.get("LOADTEST_PERIOD", "am")
SCENARIO_GAP = 1e-3  # a planner's quick look; the default 1e-4 is for reports
POLL_EVERY_S = 1.0
MAX_POLLS = 120


class Planner(HttpUser):
    """A traffic planner: networks, a scenario with one link closed, its results."""

    wait_time = between(3.0, 8.0)
    weight = 1 if PLANNER_TOKEN else 0

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {PLANNER_TOKEN}"}
        self.links = 0
        self.base: int | None = None
        self.done: list[int] = []
        networks = self.client.get(
            "/v1/traffic/networks", headers=self.headers, name="/v1/traffic/networks"
        )
        found = [n for n in networks.json().get("items", []) if n["name"] == NETWORK]
        if networks.status_code != 200 or not found:
            log.warning("network %r not on the server: Planner users idle", NETWORK)
            return
        detail = self.client.get(
            f"/v1/traffic/networks/{found[0]['id']}",
            headers=self.headers,
            name="/v1/traffic/networks/{id}",
        )
        self.links = int(detail.json()["links"])
        self.base = self._run([], "base")

    def _run(self, changes: list[dict[str, Any]], label: str) -> int | None:
        """Create a scenario and poll it to its end; its id when done."""
        body = {
            "name": f"load {label} {uuid.uuid4().hex[:6]}",
            "network": NETWORK,
            "period": PERIOD,
            "changes": changes,
            "gap": SCENARIO_GAP,
        }
        with self.client.post(
            "/v1/scenarios",
            json=body,
            headers=self.headers,
            name="/v1/scenarios",
            catch_response=True,
        ) as response:
            if response.status_code != 202:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                return None
            scenario_id = int(response.json()["id"])
        for _ in range(MAX_POLLS):
            with self.client.get(
                f"/v1/scenarios/{scenario_id}",
                headers=self.headers,
                name="/v1/scenarios/{id}",
                catch_response=True,
            ) as response:
                status = response.json().get("status") if response.status_code == 200 else None
                if status == "failed" or status is None:
                    response.failure(f"scenario {scenario_id}: {response.text[:200]}")
                    return None
            if status == "done":
                outcomes["scenario: done"] += 1
                return scenario_id
            clock.sleep(POLL_EVERY_S)  # gevent's sleep under locust: other users run meanwhile
        outcomes["scenario: still running after the polls"] += 1
        return None

    @task(1)
    def list_networks(self) -> None:
        self.client.get("/v1/traffic/networks", headers=self.headers, name="/v1/traffic/networks")

    @task(1)
    def run_scenario(self) -> None:
        if not self.links:
            return
        change = {"type": "close_link", "link": random.randrange(self.links)}
        scenario_id = self._run([change], "closure")
        if scenario_id is not None:
            self.done = [scenario_id, *self.done][:10]

    @task(3)
    def read_results(self) -> None:
        if not self.done or self.base is None:
            return
        scenario_id = random.choice(self.done)
        self.client.get(
            f"/v1/scenarios/{scenario_id}/links",
            params={"limit": 100},
            headers=self.headers,
            name="/v1/scenarios/{id}/links",
        )
        self.client.get(
            "/v1/scenarios/compare",
            params={"base": self.base, "other": scenario_id},
            headers=self.headers,
            name="/v1/scenarios/compare",
        )


# -- logistics firms: intermodal routes and fleet plans ----------------------------------

FREIGHT_TOKEN = os.environ.get("LOADTEST_FREIGHT_TOKEN", "")
FREIGHT_ZONE = ZoneInfo("Europe/Rome")
# Terminals of data/freight/ligurian_tuscan_freight.toml: ports, the interporto, inland depots.
FREIGHT_TERMINALS = ("LSP-LSCT", "LIV-TDT", "GUA", "MLZ", "RUB", "BLQ", "PDV", "VRN")
FREIGHT_ROUTES = "/v1/freight/routes"
FLEET_PLANS = "/v1/freight/fleet-plans"


def _next_morning(hour: int = 8) -> datetime:
    tomorrow = datetime.now(FREIGHT_ZONE).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(hour), FREIGHT_ZONE)


def route_request() -> dict[str, Any]:
    origin, destination = random.sample(FREIGHT_TERMINALS, 2)
    start = _next_morning()
    return {
        "origin": {"terminal": origin},
        "destination": {"terminal": destination},
        "cargo": {"teu": random.choice((1, 2, 4, 20))},
        "earliest_departure": start.isoformat(),
        "deadline": (start + timedelta(days=5)).isoformat(),
    }


def fleet_plan_request() -> dict[str, Any]:
    """Six container moves from the La Spezia terminal to yards around it, two trucks."""
    start = _next_morning(6)
    jobs = []
    for n in range(6):
        jobs.append(
            {
                "id": f"J{n}",
                "pickup": {"place": {"terminal": "LSP-LSCT"}},
                "delivery": {
                    "place": {
                        "lat": round(44.10 + random.uniform(-0.05, 0.05), 5),
                        "lon": round(9.85 + random.uniform(-0.08, 0.08), 5),
                    },
                    "service_min": 30,
                },
                "teu": 2,
                "gross_weight_kg": 22_000,
            }
        )
    trucks = {
        "id": "T",
        "count": 2,
        "depot": {"terminal": "LSP-LSCT"},
        "capacity_teu": 2,
        "shift_start": start.isoformat(),
        "shift_end": (start + timedelta(hours=10)).isoformat(),
        "cost_per_km_cents": 120,
        "cost_per_hour_cents": 3500,
    }
    return {"trucks": [trucks], "jobs": jobs, "time_budget_s": 2}


class Logistics(HttpUser):
    """A logistics firm's planning system: container routes, fleet plans."""

    wait_time = between(2.0, 5.0)
    weight = 1 if FREIGHT_TOKEN else 0

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {FREIGHT_TOKEN}"}
        self.absent: set[str] = set()
        self.plans: list[str] = []

    def _post(self, path: str, body: dict[str, Any], expected: tuple[int, ...]) -> Any:
        """POST, or nothing once the endpoint answered 404 (not deployed here)."""
        if path in self.absent:
            return None
        with self.client.post(
            path, json=body, headers=self.headers, name=path, catch_response=True
        ) as response:
            if response.status_code == 404 and _problem_type(response) == "not-found":
                self.absent.add(path)
                outcomes[f"{path}: not deployed (404), skipped"] += 1
                log.warning("%s answers 404: not deployed on this server, skipped", path)
                response.success()
                return None
            if response.status_code not in expected:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                return None
            response.success()
            return response.json()

    @task(3)
    def routes(self) -> None:
        body = self._post(FREIGHT_ROUTES, route_request(), (200,))
        if body is not None:
            outcomes[f"routes: {'found' if body.get('routes') else 'none'}"] += 1

    @task(1)
    def fleet_plan(self) -> None:
        made = self._post(FLEET_PLANS, fleet_plan_request(), (200, 201, 202))
        if made is not None and "id" in made:
            self.plans = [str(made["id"]), *self.plans][:5]

    @task(2)
    def read_plan(self) -> None:
        if self.plans:
            self.client.get(
                f"{FLEET_PLANS}/{random.choice(self.plans)}",
                headers=self.headers,
                name=f"{FLEET_PLANS}/{{id}}",
            )

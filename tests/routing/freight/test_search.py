"""The label-setting search on hand-made networks: complete and exact against an exhaustive
enumeration, every route feasible, and each rule (cut-off, opening hours, capacity, cargo,
daylight saving time, road time factors, weights) doing what it says."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from routing.algorithms.freight import (
    FreightNetwork,
    FreightQuery,
    FreightQueryInvalid,
    FreightRoute,
    Place,
    Weights,
    dominates,
    evaluate_plan,
    search_routes,
)
from tests.routing.freight.factories import (
    ROME,
    brute_force,
    network,
    road,
    service,
    terminal,
)

MON = datetime(2026, 11, 23, 8, 0, tzinfo=ROME)  # a Monday
WEEKDAYS_6_22 = (*tuple((d, 360, 1320) for d in range(5)), (5, 360, 840))


def hub_network(**overrides: object) -> FreightNetwork:
    """A port P, an interporto I, an inland rail yard Y and a customer C: roads between them,
    trains P->Y (twice a day), I->Y (twice a week) and a port shuttle P->I."""
    terminals = [
        terminal(
            "P", lat=44.10, lon=9.85, handling_min=120, handling_cost=14_000, kind="port_terminal"
        ),
        terminal(
            "I", lat=43.60, lon=10.40, hours=WEEKDAYS_6_22, handling_min=90, handling_cost=9_000
        ),
        terminal(
            "Y",
            lat=45.40,
            lon=9.40,
            hours=tuple((d, 300, 1380) for d in range(6)),
            kind="rail_yard",
        ),
        terminal(
            "C", lat=43.70, lon=10.60, handling_min=0, handling_cost=0, kg=0, kind="customer_site"
        ),
    ]
    links = [
        *road("P", "I", 100, 21_000, 100),
        *road("I", "C", 30, 8_000, 20),
        *road("P", "Y", 240, 40_000, 230),
        *road("I", "Y", 300, 50_000, 300),
    ]
    services = [
        service(
            "R1",
            "P",
            "Y",
            [(d, t) for d in range(6) for t in (390, 1140)],
            transit=480,
            cutoff=240,
            cost=28_000,
            km=230,
            g=18,
        ),
        service(
            "R2",
            "I",
            "Y",
            [(1, 1200), (3, 1200)],
            transit=420,
            cutoff=240,
            cost=26_000,
            km=300,
            g=28,
        ),
        service(
            "SH",
            "P",
            "I",
            [(d, t) for d in range(5) for t in (420, 780)],
            transit=60,
            cutoff=90,
            cost=6_500,
            km=25,
            g=28,
        ),
    ]
    net = network(terminals, links, services)
    return replace(net, **overrides) if overrides else net  # type: ignore[arg-type]


def query(
    origin: str | tuple[float, float], dest: str | tuple[float, float], **kw: object
) -> FreightQuery:
    def place(p: str | tuple[float, float]) -> Place:
        return Place(p) if isinstance(p, str) else Place(lat=p[0], lon=p[1])

    base: dict[str, object] = {
        "teu": 2,
        "earliest_departure": MON,
        "deadline": MON + timedelta(days=4),
        "max_legs": 4,
    }
    base.update(kw)
    return FreightQuery(origin=place(origin), destination=place(dest), **base)  # type: ignore[arg-type]


def assert_valid(
    net: FreightNetwork,
    q: FreightQuery,
    routes: tuple[FreightRoute, ...] | list[FreightRoute],
    capacity=None,
) -> None:  # type: ignore[no-untyped-def]
    """Each route re-derives exactly from its plan, keeps the schedule and the deadline, and
    none dominates another."""
    for route in routes:
        again = evaluate_plan(net, q, route.plan(), capacity=capacity)
        assert again == replace(route, score=0.0)
        assert route.arrival.timestamp() <= q.deadline.timestamp()
        assert route.departure.timestamp() >= q.earliest_departure.timestamp()
        for before, after in zip(route.legs, route.legs[1:], strict=False):
            assert before.arrival.timestamp() <= after.departure.timestamp()
        for leg in route.legs:
            if leg.service is not None:
                svc = net.services_by_code[leg.service]
                assert is_scheduled(leg.departure, svc.departures)
                assert q.cargo_flags <= svc.accepts
    for a in routes:
        assert not any(dominates(b.criteria, a.criteria) for b in routes)
    assert len({r.criteria for r in routes}) == len(routes)


def is_scheduled(at: datetime, pattern: tuple[tuple[int, int], ...]) -> bool:
    """`at` is a (weekday, local time) of the pattern on its local date; a wall time the spring
    clock change skips counts at the instant the time zone database gives it."""
    day = at.astimezone(ROME).date()
    return any(
        weekday == day.weekday()
        # Timestamps: aware datetimes of one zone object compare by wall time, not instant.
        and datetime(day.year, day.month, day.day, m // 60, m % 60, tzinfo=ROME).timestamp()
        == at.timestamp()
        for weekday, m in pattern
    )


def same_front(found: tuple[FreightRoute, ...], reference: list[FreightRoute]) -> None:
    assert sorted(r.criteria for r in found) == sorted({r.criteria for r in reference})


@pytest.mark.parametrize(
    ("origin", "dest", "extra"),
    [
        ("C", "Y", {}),
        ("P", "Y", {}),
        ("P", "C", {}),
        ("Y", "C", {}),
        ("C", "Y", {"cargo_flags": frozenset({"reefer"})}),
        ((43.72, 10.62), (45.45, 9.35), {}),
        ("P", (45.45, 9.35), {"teu": 1, "gross_weight_t": 24.0}),
        ("C", "Y", {"earliest_departure": MON + timedelta(hours=11), "max_legs": 3}),
    ],
)
def test_pareto_set_equals_exhaustive_enumeration(origin, dest, extra) -> None:  # type: ignore[no-untyped-def]
    """On the hub network, the search's set of (cost, arrival, CO2e) is exactly the Pareto set
    of every simple path with every dated departure, and each route is feasible."""
    net = hub_network()
    q = query(origin, dest, **extra)
    result = search_routes(net, q)
    assert result.routes
    assert_valid(net, q, result.routes)
    same_front(result.routes, brute_force(net, q))


def test_time_cost_co2_trade_off_on_hub_network() -> None:
    """Customer to inland yard: the all-road route is fastest and dearest in CO2e, a rail route
    is cheaper in CO2e and arrives later; both are offered."""
    net = hub_network()
    result = search_routes(net, query("C", "Y"))
    modes = {tuple(leg.mode for leg in r.legs) for r in result.routes}
    assert ("road", "road") in modes or ("road",) in modes
    assert any("rail" in m for m in modes)
    fastest = min(result.routes, key=lambda r: r.arrival)
    greenest = min(result.routes, key=lambda r: r.co2e_g)
    assert all(leg.mode == "road" for leg in fastest.legs)
    assert greenest.co2e_g < fastest.co2e_g
    assert greenest.arrival > fastest.arrival


def test_cut_off_and_opening_hours() -> None:
    """A container reaching the port after a train's cut-off takes the next train; a truck
    reaching a closed interporto waits at the gate until it opens."""
    net = hub_network()
    q = query("P", "Y", earliest_departure=MON.replace(hour=3))  # 06:30 cut-off is 02:30
    rail = [r for r in search_routes(net, q).routes if r.legs[0].service == "R1"]
    assert [r.legs[0].departure.hour for r in rail] == [19]
    late = MON.replace(hour=21, minute=30)  # I closes at 22:00; the road P-I takes 100 min
    q = query("P", "I", earliest_departure=late, deadline=late + timedelta(days=2), max_legs=1)
    (route,) = [r for r in search_routes(net, q).routes if r.legs[0].mode == "road"]
    assert route.legs[0].gate_wait_min == (6 * 60 + 24 * 60) - (21 * 60 + 30 + 100)
    assert route.arrival == datetime(2026, 11, 24, 6, 0, tzinfo=ROME)


def test_full_departures_are_skipped() -> None:
    """A dated departure without enough free TEU is not used; the next one with room is."""
    net = hub_network()
    q = query("P", "Y", teu=3, earliest_departure=MON.replace(hour=0))
    first = datetime(2026, 11, 23, 6, 30, tzinfo=ROME)
    capacity = {("R1", first): 2, ("R1", first + timedelta(hours=12, minutes=30)): 3}
    result = search_routes(net, q, capacity=capacity)
    rail = [r for r in result.routes if r.legs[0].service == "R1"]
    assert [r.legs[0].departure for r in rail] == [first + timedelta(hours=12, minutes=30)]
    assert_valid(net, q, result.routes, capacity)
    same_front(result.routes, brute_force(net, q, capacity))


def test_cargo_flags_exclude_terminals_services_and_links() -> None:
    """Hazardous cargo avoids a train and a road that do not take it; reefer cargo cannot enter
    a terminal without plugs (a clear error when that terminal is the origin)."""
    base = hub_network()
    services = tuple(
        replace(s, accepts=frozenset({"reefer"})) if s.code == "R1" else s for s in base.services
    )
    links = tuple(
        replace(link, accepts=frozenset()) if {link.from_code, link.to_code} == {"P", "Y"} else link
        for link in base.road_links
    )
    net = hub_network(services=services, road_links=links)
    q = query("P", "Y", cargo_flags=frozenset({"hazardous"}))
    result = search_routes(net, q)
    assert result.routes
    for route in result.routes:
        assert all(leg.service != "R1" for leg in route.legs)
        assert all({leg.from_terminal, leg.to_terminal} != {"P", "Y"} for leg in route.legs)
    same_front(result.routes, brute_force(net, q))
    terminals = dict(base.terminals)
    terminals["P"] = replace(terminals["P"], accepts=frozenset({"hazardous"}))
    no_plugs = hub_network(terminals=terminals)
    with pytest.raises(FreightQueryInvalid, match="does not take reefer"):
        search_routes(no_plugs, query("P", "Y", cargo_flags=frozenset({"reefer"})))


def test_departures_follow_daylight_saving_time() -> None:
    """A 06:30 local departure is 04:30 UTC in summer and 05:30 UTC in winter, also across the
    night the clocks go back (25 October 2026): the search finds the local 06:30 train."""
    net = hub_network()
    saturday = datetime(2026, 10, 24, 3, 0, tzinfo=ROME)
    for day in (0, 2):  # Saturday before, Monday after the change (no Sunday train)
        start = saturday + timedelta(days=day)
        q = query("P", "Y", earliest_departure=start, deadline=start + timedelta(days=1))
        rail = [r for r in search_routes(net, q).routes if r.legs[0].service == "R1"]
        departure = rail[0].legs[0].departure
        assert (departure.hour, departure.minute) == (19, 0)  # 06:30's cut-off was 02:30
        assert departure.utcoffset() == timedelta(hours=2 if day == 0 else 1)


def test_road_time_factor_lengthens_road_legs() -> None:
    """A factor of 1.5 on road legs makes them half again as long (rounded up to the minute);
    a factor below 1 is read as free flow."""
    net = hub_network()
    q = query("P", "I", max_legs=1)
    free = next(r for r in search_routes(net, q).routes if r.legs[0].mode == "road")
    slow = next(
        r
        for r in search_routes(net, q, road_time_factor=lambda _at, _link: 1.5).routes
        if r.legs[0].mode == "road"
    )
    fast = next(
        r
        for r in search_routes(net, q, road_time_factor=lambda _at, _link: 0.5).routes
        if r.legs[0].mode == "road"
    )
    assert (free.legs[0].arrival - free.legs[0].departure) == timedelta(minutes=100)
    assert (slow.legs[0].arrival - slow.legs[0].departure) == timedelta(minutes=150)
    assert fast.arrival == free.arrival


def test_weights_order_but_never_drop_routes() -> None:
    """Weights reorder the same Pareto set; only `limit` cuts it, keeping the best ranked."""
    net = hub_network()
    by_cost = search_routes(net, query("C", "Y", weights=Weights(cost=1, time=0, co2e=0)))
    by_time = search_routes(net, query("C", "Y", weights=Weights(cost=0, time=1, co2e=0)))
    assert {r.criteria for r in by_cost.routes} == {r.criteria for r in by_time.routes}
    assert [r.cost_cents for r in by_cost.routes] == sorted(r.cost_cents for r in by_cost.routes)
    assert [r.arrival for r in by_time.routes] == sorted(r.arrival for r in by_time.routes)
    top = search_routes(net, query("C", "Y", weights=Weights(0, 1, 0), limit=1))
    assert top.routes == by_time.routes[:1]
    assert top.pareto_size == len(by_time.routes)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"teu": 0}, "teu"),
        ({"deadline": MON - timedelta(hours=1)}, "deadline"),
        ({"earliest_departure": MON.replace(tzinfo=None)}, "time zone"),
        ({"cargo_flags": frozenset({"live-animals"})}, "cargo flags"),
        ({"max_legs": 0}, "max_legs"),
        ({"earliest_departure": datetime(1, 1, 2, tzinfo=ROME)}, "between 1970"),
        ({"deadline": datetime(9999, 12, 30, tzinfo=ROME)}, "between 1970"),
    ],
)
def test_invalid_queries_say_why(kwargs: dict[str, object], message: str) -> None:
    """A query that cannot be answered fails with a message naming what is wrong."""
    with pytest.raises(FreightQueryInvalid, match=message):
        query("P", "Y", **kwargs)


def test_first_mile_candidates_take_the_cargo() -> None:
    """A shipper next to a port without reefer plugs: its one first-mile candidate is the
    nearest terminal that takes reefers, not the port (where the container could not enter)."""
    base = hub_network()
    terminals = dict(base.terminals)
    terminals["P"] = replace(terminals["P"], accepts=frozenset({"hazardous"}))
    net = hub_network(terminals=terminals)
    q = query((44.05, 9.9), "Y", cargo_flags=frozenset({"reefer"}), candidates=1)
    result = search_routes(net, q)
    assert result.routes
    assert {r.legs[0].to_terminal for r in result.routes} == {"I"}
    assert_valid(net, q, result.routes)
    same_front(result.routes, brute_force(net, q))


def test_unknown_terminal() -> None:
    """A terminal code the network lacks is an error, not an empty answer."""
    with pytest.raises(FreightQueryInvalid, match="unknown terminal 'Q'"):
        search_routes(hub_network(), query("Q", "Y"))


# -- random networks -----------------------------------------------------------------------

CODES = ["A", "B", "C", "D", "E"]


@st.composite
def random_case(draw: st.DrawFn) -> tuple[FreightNetwork, FreightQuery, dict]:  # type: ignore[type-arg]
    n = draw(st.integers(3, 5))
    codes = CODES[:n]
    everything = frozenset({"reefer", "hazardous"})
    flags = st.one_of(st.just(everything), st.frozensets(st.sampled_from(sorted(everything))))
    terminals = []
    for i, code in enumerate(codes):
        opens = draw(st.integers(0, 12)) * 60
        closes = draw(st.integers(opens // 60 + 4, 24)) * 60
        days = draw(st.frozensets(st.integers(0, 6), min_size=4))
        terminals.append(
            terminal(
                code,
                lat=43.5 + 0.3 * i,
                lon=9.8 + 0.2 * i,
                hours=tuple((d, opens, closes) for d in sorted(days)),
                handling_min=draw(st.integers(0, 180)),
                handling_cost=draw(st.integers(0, 20_000)),
                kg=draw(st.sampled_from([0.0, 8.0, 15.0])),
                accepts=draw(flags),
            )
        )
    pairs = [(a, b) for a in codes for b in codes if a < b]
    links = []
    for a, b in draw(st.lists(st.sampled_from(pairs), min_size=2, max_size=7, unique=True)):
        links += road(
            a,
            b,
            draw(st.integers(20, 400)),
            draw(st.integers(5_000, 60_000)),
            float(draw(st.integers(10, 400))),
            accepts=draw(flags),
        )
    services = []
    ordered = [(a, b) for a in codes for b in codes if a != b]
    for k, (a, b) in enumerate(
        draw(st.lists(st.sampled_from(ordered), min_size=1, max_size=6, unique=True))
    ):
        deps = draw(
            st.lists(
                st.tuples(st.integers(0, 6), st.integers(0, 47).map(lambda h: h * 30)),
                min_size=2,
                max_size=6,
                unique=True,
            )
        )
        services.append(
            service(
                f"S{k}",
                a,
                b,
                deps,
                transit=draw(st.integers(30, 900)),
                cutoff=draw(st.integers(0, 300)),
                cost=draw(st.integers(1_000, 50_000)),
                km=float(draw(st.integers(10, 500))),
                g=draw(st.sampled_from([18.0, 30.0, 60.0])),
                capacity=draw(st.integers(1, 10)),
                accepts=draw(flags),
                mode=draw(st.sampled_from(["rail", "sea"])),
            )
        )
    net = network(terminals, links, services)
    origin, dest = draw(st.lists(st.sampled_from(codes), min_size=2, max_size=2, unique=True))
    # Now and then a shipper's coordinates instead: first/last mile to the nearest terminals.
    point = st.tuples(st.floats(43.4, 44.9), st.floats(9.7, 10.7)).map(
        lambda p: Place(lat=round(p[0], 3), lon=round(p[1], 3))
    )
    places = [
        draw(st.one_of(st.just(Place(code)), point))
        if draw(st.integers(0, 3)) == 0
        else Place(code)
        for code in (origin, dest)
    ]
    # Two drawn points may coincide (hypothesis shrinks towards equal floats): not a query.
    assume(places[0] != places[1])
    # Horizons around the spring (29 March) and autumn (25 October) clock changes of 2026.
    season = draw(
        st.sampled_from([datetime(2026, 3, 26, tzinfo=ROME), datetime(2026, 10, 22, tzinfo=ROME)])
    )
    start = season + timedelta(minutes=30 * draw(st.integers(0, 200)))
    q = FreightQuery(
        origin=places[0],
        destination=places[1],
        teu=draw(st.integers(1, 4)),
        earliest_departure=start,
        deadline=start + timedelta(hours=draw(st.integers(12, 120))),
        cargo_flags=draw(st.sampled_from([frozenset(), frozenset(), frozenset({"reefer"})])),
        max_legs=draw(st.integers(1, 4)),
    )
    capacity = {}
    for svc in services:
        for at in draw(st.lists(st.integers(0, 6), max_size=3)):
            when = (start + timedelta(days=at)).replace(
                hour=svc.departures[0][1] // 60, minute=svc.departures[0][1] % 60
            )
            capacity[(svc.code, when)] = draw(st.integers(0, 4))
    return net, q, capacity


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_case())
def test_random_networks_match_exhaustive_enumeration(case) -> None:  # type: ignore[no-untyped-def]
    """On random small networks (hours, cut-offs, capacities, cargo flags, the spring or autumn
    clock change in the horizon, now and then coordinates as origin or destination) the
    search's Pareto set equals the exhaustive one."""
    net, q, capacity = case
    try:
        result = search_routes(net, q, capacity=capacity)
    except FreightQueryInvalid:
        assert any(
            p.terminal is not None and not q.cargo_flags <= net.terminals[p.terminal].accepts
            for p in (q.origin, q.destination)
        )
        return
    assert_valid(net, q, result.routes, capacity)
    same_front(result.routes, brute_force(net, q, capacity))

"""RAPTOR against the brute-force Dijkstra on random small timetables."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from routing.algorithms.raptor import (
    Journey,
    departure_times,
    raptor,
    raptor_arrive_by,
    raptor_range,
)
from routing.algorithms.reference import earliest_arrivals
from tests.routing.algorithms.factories import Case, cases, journey_errors

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def best_by_trips(journeys: tuple[Journey, ...] | list[Journey], k_max: int) -> list[int | None]:
    """Earliest arrival among the journeys with at most k trips, for k = 1..k_max."""
    out: list[int | None] = []
    for k in range(1, k_max + 1):
        arrivals = [j.arrival for j in journeys if j.transfers + 1 <= k]
        out.append(min(arrivals) if arrivals else None)
    return out


@SETTINGS
@given(cases())
def test_pareto_arrivals_match_reference(case: Case) -> None:
    """For every trip count, RAPTOR's earliest arrival equals the brute force's exactly."""
    res = raptor(case.tt, case.sources, case.targets, case.departure, case.params)
    k_max = case.params.max_transfers + 1
    expected = earliest_arrivals(case.tt, case.sources, case.targets, case.departure, case.params)
    assert best_by_trips(res.journeys, k_max) == expected
    for j in res.journeys:
        assert (
            journey_errors(case.tt, j, case.sources, case.targets, case.departure, case.params)
            == []
        )
    arrivals = [j.arrival for j in res.journeys]
    assert arrivals == sorted(arrivals, reverse=True)  # more transfers only when faster
    assert len(set(arrivals)) == len(arrivals)


@SETTINGS
@given(cases(blocks="single"))
def test_single_block_continuations_match_reference(case: Case) -> None:
    """With one level of stay-seated continuations, arrivals equal the brute force's exactly."""
    res = raptor(case.tt, case.sources, case.targets, case.departure, case.params)
    k_max = case.params.max_transfers + 1
    expected = earliest_arrivals(case.tt, case.sources, case.targets, case.departure, case.params)
    assert best_by_trips(res.journeys, k_max) == expected
    for j in res.journeys:
        errors = journey_errors(case.tt, j, case.sources, case.targets, case.departure, case.params)
        assert errors == []


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(blocks="chains"))
def test_chains_of_block_continuations_match_reference(case: Case) -> None:
    """With stay-seated chains of any length, arrivals equal the brute force's exactly."""
    res = raptor(case.tt, case.sources, case.targets, case.departure, case.params)
    k_max = case.params.max_transfers + 1
    expected = earliest_arrivals(case.tt, case.sources, case.targets, case.departure, case.params)
    assert best_by_trips(res.journeys, k_max) == expected
    for j in res.journeys:
        assert (
            journey_errors(case.tt, j, case.sources, case.targets, case.departure, case.params)
            == []
        )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_range_profile_matches_reference_at_every_departure(case: Case) -> None:
    """For each departure in the window, the range answer's best arrivals are the reference's."""
    start, end = case.departure, case.departure + 1800
    journeys = raptor_range(case.tt, case.sources, case.targets, start, end, case.params)
    k_max = case.params.max_transfers + 1
    for j in journeys:
        assert start <= j.departure <= end
        assert journey_errors(case.tt, j, case.sources, case.targets, start, case.params) == []
    after = earliest_arrivals(case.tt, case.sources, case.targets, end + 1, case.params)
    probes = {start, end, *(j.departure for j in journeys), *(j.departure + 1 for j in journeys)}
    for t in sorted(p for p in probes if p <= end):
        expected = earliest_arrivals(case.tt, case.sources, case.targets, t, case.params)
        got = best_by_trips([j for j in journeys if j.departure >= t], k_max)
        # The best from t leaves within the window, or after it (then the answer omits it).
        combined = [_min(g, a) for g, a in zip(got, after, strict=True)]
        assert combined == expected


def _min(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_arrive_by_leaves_as_late_as_the_reference_allows(case: Case) -> None:
    """Arrive-by gives, per trip count, the latest departure the reference finds in time."""
    deadline_ = case.departure + 1500
    window = 2400
    res = raptor_arrive_by(case.tt, case.sources, case.targets, deadline_, window, case.params)
    k_max = case.params.max_transfers + 1
    for j in res.journeys:
        assert j.arrival <= deadline_
        assert j.departure >= deadline_ - window
        errors = journey_errors(
            case.tt, j, case.sources, case.targets, deadline_ - window, case.params
        )
        assert errors == []
    # Brute force over the candidate departures (the answers change only there).
    times = departure_times(case.tt, case.sources, deadline_ - window, deadline_, case.params)
    for k in range(1, k_max + 1):
        latest = None
        for t in times:  # latest first
            arr = earliest_arrivals(case.tt, case.sources, case.targets, t, case.params)[k - 1]
            if arr is not None and arr <= deadline_:
                latest = t
                break
        got = [j.departure for j in res.journeys if j.transfers + 1 <= k]
        assert (max(got) if got else None) == latest

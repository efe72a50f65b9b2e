"""`routing.planner.pareto.pareto_front` against a brute-force definition."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from routing.planner.pareto import pareto_front

Point = tuple[int, int, int]


def test_price_keeps_a_slower_cheaper_itinerary() -> None:
    """(arrival, transfers, price): the slower one stays because it is cheaper; a journey worse
    on everything goes; a duplicate is kept once."""
    fast, cheap, worse = (100, 0, 500), (130, 0, 200), (140, 1, 600)
    assert pareto_front([fast, cheap, worse, fast], lambda p: p) == [fast, cheap]


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 5)), max_size=12))
def test_the_front_is_exactly_the_non_dominated_points(points: list[Point]) -> None:
    front = pareto_front(points, lambda p: p)

    def dominated(p: Point) -> bool:
        return any(q != p and all(a <= b for a, b in zip(q, p, strict=True)) for q in points)

    assert set(front) == {p for p in points if not dominated(p)}
    assert len(front) == len(set(front))

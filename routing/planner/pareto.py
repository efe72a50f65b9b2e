"""The Pareto front of itineraries over any criteria, for criteria the planner itself does not
optimise (the API adds price, which only the fare engine knows)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def pareto_front(items: Sequence[T], criteria: Callable[[T], tuple[float, ...]]) -> list[T]:
    """The items no other item beats: at least as good on every criterion (all minimised) and
    better on one. Items with equal criteria are kept once (the first); order is kept."""
    values = [criteria(item) for item in items]
    keep: list[T] = []
    seen: set[tuple[float, ...]] = set()
    for item, mine in zip(items, values, strict=True):
        if mine in seen:
            continue
        dominated = any(
            other != mine and all(o <= m for o, m in zip(other, mine, strict=True))
            for other in values
        )
        if not dominated:
            seen.add(mine)
            keep.append(item)
    return keep

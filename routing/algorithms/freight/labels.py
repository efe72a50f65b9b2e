"""The search's labels and the bags that keep only non-dominated ones.

A label is the container at a place at a time with what it has cost so far. Labels at the same
place and state are compared on (entered, ready, cost, CO2e, legs), each the lower the better:
arriving earlier never hurts (a container can wait), and fewer legs leave more of `max_legs`.
A label is also dropped when a route already found is no worse on cost, arrival and CO2e than
anything the label can lead to (every criterion only grows along a route).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

# On a truck (may drive on, or deliver into the terminal); in a terminal's yard; delivered.
TRUCK, YARD, DONE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class LegStep:
    """A leg as the search found it (minutes since the epoch)."""

    mode: str
    from_code: str
    to_code: str
    depart: int
    arrive: int
    distance_km: float
    cost: int
    co2: int
    service: str | None = None
    description: str = ""


@dataclass(slots=True, eq=False)
class Label:
    """The container somewhere at some time, with what getting there cost; `parent` and the
    step fields (`leg`, `gate_at`, `handling`) say how it got there. In a yard, `at` is when
    the container entered it (what a cut-off is measured against) and `ready` when it has been
    handled for the next vehicle; elsewhere both are the arrival."""

    node: str
    kind: int
    at: int
    ready: int
    cost: int
    co2: int
    legs: int
    by_road: bool
    parent: Label | None
    leg: LegStep | None = None
    gate_at: int | None = None
    # (start, minutes, cost, co2) of the transshipment done on reaching this label.
    handling: tuple[int, int, int, int] | None = None
    dead: bool = False

    def vector(self) -> tuple[int, int, int, int, int]:
        return (self.at, self.ready, self.cost, self.co2, self.legs)


def _no_worse(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return all(x <= y for x, y in zip(a, b, strict=True))


class LabelStore:
    """Bags of non-dominated labels per (place, state), the queue of labels to expand (earliest
    ready first), and the non-dominated routes found so far (`finals`)."""

    def __init__(self, deadline: int) -> None:
        self.deadline = deadline
        self.bags: dict[tuple[str, int, bool], list[Label]] = {}
        self.finals: list[Label] = []
        self.heap: list[tuple[int, int, int, int, Label]] = []
        self.count = 0

    def beaten(self, label: Label) -> bool:
        """A route already found is no worse on every criterion than anything `label` leads
        to: its arrival is at least `label.at`, its cost and CO2e at least the label's."""
        return any(
            f.cost <= label.cost and f.at <= label.at and f.co2 <= label.co2 for f in self.finals
        )

    def push(self, label: Label) -> None:
        """Queue `label` unless it is late, beaten or dominated in its bag; drop what it
        dominates."""
        if label.ready > self.deadline or self.beaten(label):
            return
        key = (label.node, label.kind, label.by_road)
        bag = self.bags.setdefault(key, [])
        vector = label.vector()
        if any(_no_worse(other.vector(), vector) for other in bag):
            return
        kept = []
        for other in bag:
            if _no_worse(vector, other.vector()):
                other.dead = True  # still queued: skipped when popped
            else:
                kept.append(other)
        kept.append(label)
        self.bags[key] = kept
        self.count += 1
        heapq.heappush(self.heap, (label.ready, label.cost, label.co2, self.count, label))

    def pop(self) -> Label | None:
        """The next label worth expanding, None when there is none."""
        while self.heap:
            label = heapq.heappop(self.heap)[-1]
            if not label.dead and not self.beaten(label):
                return label
        return None

    def final(self, label: Label) -> None:
        """Record a delivered container's route unless one found is no worse."""
        if self.beaten(label):
            return
        self.finals = [
            f
            for f in self.finals
            if not (label.cost <= f.cost and label.at <= f.at and label.co2 <= f.co2)
        ]
        self.finals.append(label)

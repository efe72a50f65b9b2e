"""What a pass covers at a gate, and the order of the entry checks: pure functions shared by the
offline gate (`gate_client.gate`) and online validation (`online`).

Entry decision order, after the token and its proof: revoked → operator → zones/network →
single use → passback. Exits check only the token and its proof. The state-dependent checks are
given as predicates and called lazily, in this order, so a check with a side effect (online:
claiming a single use in Redis) runs only when every earlier check has passed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .reasons import Reason
from .tokens import WILDCARD, PassClaims


@dataclass(frozen=True)
class GatePlace:
    """Where a gate is, as far as a pass is concerned: its operator, network and zones."""

    operator: str
    network: str
    zones: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.operator or not self.network or not self.zones:
            raise ValueError("a gate place needs an operator, a network and at least one zone")


def coverage_refusal(claims: PassClaims, place: GatePlace) -> Reason | None:
    """WRONG_OPERATOR or WRONG_GATE_ZONE if the pass does not cover the gate, else None.

    A gate lying in several zones (a boundary station) needs the pass to cover all of them.
    """
    if not (claims.operators == (WILDCARD,) or place.operator in claims.operators):
        return Reason.WRONG_OPERATOR
    if not all(
        claims.covers(operator=place.operator, network=place.network, zone=zone)
        for zone in place.zones
    ):
        return Reason.WRONG_GATE_ZONE
    return None


def entry_refusal(
    claims: PassClaims,
    place: GatePlace,
    *,
    revoked: Callable[[], bool],
    consumed: Callable[[], bool],
    passback: Callable[[], bool],
) -> Reason | None:
    """The first entry check a verified pass fails, or None; the predicates run lazily in order.

    `consumed` is asked only for a single-use pass that passed every earlier check.
    """
    if revoked():
        return Reason.REVOKED
    if (refusal := coverage_refusal(claims, place)) is not None:
        return refusal
    if claims.single_use and consumed():
        return Reason.ALREADY_USED
    if passback():
        return Reason.PASSBACK
    return None

"""Apportioning a product's revenue among operators: pure functions of amounts and usage.

Three methods, configured per product (or a default):

- fixed: shares in basis points agreed among the operators (they sum to 10,000);
- taps: in proportion to the validated entry taps of the product's passes on each operator;
- passenger_km: in proportion to the distance travelled on each operator (`distance_m` of
  completed trips). A trip whose distance is unknown (no tap-out, or no shape) counts at the
  mean distance of the product's measured trips; with no measured trip at all, the method falls
  back to taps. Either way the allocation says so in its note.

Every split is exact to the cent (`mobility.money.allocate`, largest remainder): the parts
always sum to the amount, and are never negative for a non-negative amount.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from mobility.money import BASIS_POINTS, allocate


class Method(StrEnum):
    FIXED = "fixed"
    TAPS = "taps"
    PASSENGER_KM = "passenger_km"
    DIRECT = "direct"  # revenue already tied to one operator (pay-as-you-go taps)
    NONE = "none"  # nothing to apportion by: the amount stays unallocated


@dataclass(frozen=True, slots=True)
class SharingRule:
    """How one product's revenue is shared; `operators` limits usage methods to those operators."""

    method: Method
    shares_bp: Mapping[str, int] = field(default_factory=dict)
    operators: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.method not in (Method.FIXED, Method.TAPS, Method.PASSENGER_KM):
            raise ValueError(f"a sharing rule is fixed, taps or passenger_km, not {self.method}")
        if self.method is Method.FIXED:
            if not self.shares_bp:
                raise ValueError("a fixed rule gives shares per operator")
            if any(
                type(v) is not int or not 0 <= v <= BASIS_POINTS for v in self.shares_bp.values()
            ):
                raise ValueError("shares are integer basis points between 0 and 10,000")
            if sum(self.shares_bp.values()) != BASIS_POINTS:
                raise ValueError(
                    f"fixed shares sum to {BASIS_POINTS} basis points, not "
                    f"{sum(self.shares_bp.values())}"
                )
        elif self.shares_bp:
            raise ValueError(f"shares are only for the fixed method, not {self.method}")
        if self.operators is not None and not self.operators:
            raise ValueError("operators, when given, name at least one operator")


@dataclass(frozen=True, slots=True)
class RuleBook:
    """The rule of each product, and the default for the others."""

    default: SharingRule = SharingRule(Method.TAPS)
    by_product: Mapping[str, SharingRule] = field(default_factory=dict)

    def rule_for(self, product_id: str) -> SharingRule:
        return self.by_product.get(product_id, self.default)


@dataclass(frozen=True, slots=True)
class OperatorUsage:
    """What a product's travellers did on one operator in the period."""

    operator_id: str
    entry_taps: int = 0
    trips_measured: int = 0  # records with a distance
    distance_m: int = 0  # their total distance

    def __post_init__(self) -> None:
        if min(self.entry_taps, self.trips_measured, self.distance_m) < 0:
            raise ValueError("usage counts are not negative")


@dataclass(frozen=True, slots=True)
class Allocation:
    """An amount split among operators: `shares` sum to `amount - unallocated`."""

    amount: int
    method: Method
    weights: dict[str, int]
    shares: dict[str, int]
    unallocated: int = 0
    note: str = ""


def split(amount: int, weights: Mapping[str, int]) -> dict[str, int]:
    """`amount` split in proportion to `weights` (by operator id order), exact to the cent."""
    keys = sorted(weights)
    return dict(zip(keys, allocate(amount, [weights[k] for k in keys]), strict=True))


def _usage_weights(
    rule: SharingRule, usage: Sequence[OperatorUsage]
) -> tuple[Method, dict[str, int], str]:
    notes: list[str] = []
    eligible = [u for u in usage if rule.operators is None or u.operator_id in rule.operators]
    ignored = sum(u.entry_taps for u in usage) - sum(u.entry_taps for u in eligible)
    if ignored:
        notes.append(f"{ignored} taps on operators the product does not cover ignored")
    if rule.method is Method.PASSENGER_KM:
        measured = sum(u.trips_measured for u in eligible)
        distance = sum(u.distance_m for u in eligible)
        if measured and distance:
            # Every weight is scaled by `measured` so the imputed mean stays an integer.
            unmeasured = {u.operator_id: max(0, u.entry_taps - u.trips_measured) for u in eligible}
            weights = {
                u.operator_id: u.distance_m * measured + unmeasured[u.operator_id] * distance
                for u in eligible
            }
            if missing := sum(unmeasured.values()):
                notes.append(
                    f"{missing} trips without a distance counted at the mean measured trip "
                    f"({distance / measured / 1000:.3f} km)"
                )
            return Method.PASSENGER_KM, _positive(weights), "; ".join(notes)
        notes.append("no trip with a distance: fell back to taps")
    weights = {u.operator_id: u.entry_taps for u in eligible}
    return Method.TAPS, _positive(weights), "; ".join(notes)


def _positive(weights: Mapping[str, int]) -> dict[str, int]:
    return {k: v for k, v in weights.items() if v > 0}


def apportion(amount: int, rule: SharingRule, usage: Sequence[OperatorUsage]) -> Allocation:
    """Split `amount` (minor units, may be negative after refunds) by `rule` and `usage`.

    With a usage method and no usage at all, nothing is split: the whole amount is returned as
    `unallocated`, for the authority to decide (an equal split would be an arbitrary rule).
    """
    if rule.method is Method.FIXED:
        weights = _positive(rule.shares_bp)
        return Allocation(amount, Method.FIXED, weights, split(amount, weights))
    method, weights, note = _usage_weights(rule, usage)
    if not weights:
        reason = f"no {'trips' if method is Method.PASSENGER_KM else 'taps'} in the period"
        return Allocation(
            amount,
            Method.NONE,
            {},
            {},
            unallocated=amount,
            note="; ".join(filter(None, [note, reason + ": left unallocated"])),
        )
    return Allocation(amount, method, weights, split(amount, weights), note=note)

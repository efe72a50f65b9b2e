"""Time- and zone-dependent price adjustments: off-peak discounts and congestion-linked pricing.

Off-peak discounts lower a fare in set local timeframes (e.g. weekdays 09:30-16:00, every night
from 20:00 to 06:00). Congestion-linked adjustments are set per zone and time band by traffic
planners from scenario results: a discount to draw riders into a zone's off-peak, a surcharge
on its peak, bounded by a configured maximum surcharge.

Every adjustment is a number of basis points of the base amount, so the result does not depend
on the order the rules are listed in; each delta is rounded half away from zero to the minor
unit, and the price never goes below zero.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from mobility.money import BASIS_POINTS, round_div
from ticketing.tariffs.errors import InvalidTariff, InvalidTariffInput
from ticketing.tariffs.servicedays import DEFAULT_TIMEZONE, check_aware, zone

ALL_WEEKDAYS = frozenset(range(7))


@dataclass(frozen=True, slots=True)
class TimeBand:
    """Local times [start, end) on the given weekdays (0 = Monday).

    A band with ``end <= start`` crosses midnight: it starts on one of `weekdays` and ends the
    next day at `end` (so Friday 22:00-02:00 covers Saturday 01:00); ``end == start`` is a
    band of 24 hours from `start`.
    """

    start: time
    end: time
    weekdays: frozenset[int] = ALL_WEEKDAYS

    def __post_init__(self) -> None:
        for t in (self.start, self.end):
            if not isinstance(t, time) or t.tzinfo is not None:
                raise InvalidTariff(f"a band's bounds are naive local times, not {t!r}")
        days = frozenset(self.weekdays)
        if not days or not days <= ALL_WEEKDAYS:
            raise InvalidTariff(f"weekdays are a non-empty set of 0 (Monday) to 6, not {days!r}")
        object.__setattr__(self, "weekdays", days)

    def contains(self, local: datetime) -> bool:
        """Whether the local wall-clock time `local` falls in the band."""
        clock, weekday = local.time().replace(fold=0), local.weekday()
        if self.start < self.end:
            return weekday in self.weekdays and self.start <= clock < self.end
        yesterday = (local - timedelta(days=1)).weekday()
        return (weekday in self.weekdays and clock >= self.start) or (
            yesterday in self.weekdays and clock < self.end
        )


def _check_id(rule_id: str) -> None:
    if not isinstance(rule_id, str) or not rule_id:
        raise InvalidTariff(f"a rule id is a non-empty string, not {rule_id!r}")


@dataclass(frozen=True, slots=True)
class OffPeakDiscount:
    """`discount_bp` off in `band`, for the product kinds listed (all kinds when empty)."""

    rule_id: str
    band: TimeBand
    discount_bp: int
    product_kinds: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _check_id(self.rule_id)
        if type(self.discount_bp) is not int or not 0 < self.discount_bp <= BASIS_POINTS:
            raise InvalidTariff(
                f"off-peak rule {self.rule_id!r}: discount is 1..10000 basis points"
            )
        object.__setattr__(self, "product_kinds", frozenset(self.product_kinds))

    def applies_to(self, product_kind: str | None) -> bool:
        """Whether the rule covers `product_kind` (a rule without kinds covers every kind)."""
        return not self.product_kinds or product_kind in self.product_kinds


@dataclass(frozen=True, slots=True)
class CongestionAdjustment:
    """Signed basis points for trips touching `zone_id` in `band`: < 0 discount, > 0 surcharge.

    `scenario_id` records the planning scenario whose results set it, for audit.
    """

    rule_id: str
    zone_id: str
    band: TimeBand
    adjustment_bp: int
    scenario_id: str | None = None

    def __post_init__(self) -> None:
        _check_id(self.rule_id)
        if type(self.adjustment_bp) is not int or not (
            -BASIS_POINTS <= self.adjustment_bp <= 10 * BASIS_POINTS and self.adjustment_bp
        ):
            raise InvalidTariff(
                f"congestion rule {self.rule_id!r}: adjustment is a non-zero integer of basis "
                "points, at least -10000"
            )


@dataclass(frozen=True)
class AdjustmentRules:
    """An authority's off-peak and congestion rules, in its local time zone.

    `max_surcharge_bp` bounds the sum of the congestion surcharges of one trip (a rule may not
    exceed it by itself either).
    """

    off_peak: tuple[OffPeakDiscount, ...] = ()
    congestion: tuple[CongestionAdjustment, ...] = ()
    max_surcharge_bp: int = 0
    timezone: str = DEFAULT_TIMEZONE
    tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tz", zone(self.timezone))
        object.__setattr__(self, "off_peak", tuple(self.off_peak))
        object.__setattr__(self, "congestion", tuple(self.congestion))
        if type(self.max_surcharge_bp) is not int or self.max_surcharge_bp < 0:
            raise InvalidTariff("max_surcharge_bp is a non-negative integer")
        ids = [r.rule_id for r in self.off_peak] + [r.rule_id for r in self.congestion]
        if len(set(ids)) != len(ids):
            raise InvalidTariff("adjustment rule ids must be unique")
        for rule in self.congestion:
            if rule.adjustment_bp > self.max_surcharge_bp:
                raise InvalidTariff(
                    f"congestion rule {rule.rule_id!r} surcharges {rule.adjustment_bp} bp, above "
                    f"the maximum of {self.max_surcharge_bp} bp"
                )


class AdjustmentKind(StrEnum):
    OFF_PEAK = "off_peak"
    CONGESTION = "congestion"
    SURCHARGE_CAP = "surcharge_cap"  # brings the congestion surcharges back to the maximum
    FLOOR = "floor"  # brings a price that discounts took below zero back to zero


@dataclass(frozen=True, slots=True)
class Applied:
    """One adjustment that changed the price: its rule, kind, basis points and delta (signed)."""

    rule_id: str
    kind: AdjustmentKind
    basis_points: int
    delta: int


@dataclass(frozen=True, slots=True)
class Adjusted:
    """The adjusted amount, its base, and the adjustments made (their deltas sum to the change)."""

    amount: int
    base: int
    applied: tuple[Applied, ...]


def adjust(
    amount: int,
    when: datetime,
    zone_ids: Collection[str],
    rules: AdjustmentRules,
    *,
    product_kind: str | None = None,
) -> Adjusted:
    """The price of a trip at `when` through `zone_ids` after off-peak and congestion rules.

    Parameters
    ----------
    amount
        The base price in minor units.
    when
        The (timezone-aware) instant of travel; bands are read in the rules' local time.
    zone_ids
        The zones the trip touches; every matching congestion rule of each applies.
    rules
        The authority's rules.
    product_kind
        The kind of product priced, for off-peak rules restricted to some kinds.

    Returns
    -------
    Adjusted
        ``amount = base + sum(delta)``, never below zero. Off-peak discounts do not stack: the
        largest matching one applies. Congestion deltas are summed over the matching rules,
        and if their sum exceeds ``max_surcharge_bp`` of the base a `SURCHARGE_CAP` entry takes
        the excess back. Rules whose delta rounds to zero are not listed.
    """
    if type(amount) is not int or amount < 0:
        raise InvalidTariffInput(f"an amount is a non-negative integer, not {amount!r}")
    check_aware(when, "a travel time")
    if isinstance(zone_ids, str):  # a lone zone id would be read as its characters
        raise InvalidTariffInput(
            f"zone_ids is a collection of zone ids, not the string {zone_ids!r}"
        )
    local = when.astimezone(rules.tz)
    applied: list[Applied] = []

    discounts = [r for r in rules.off_peak if r.applies_to(product_kind) and r.band.contains(local)]
    if discounts:
        best = max(discounts, key=lambda r: r.discount_bp)
        applied.append(
            Applied(
                best.rule_id,
                AdjustmentKind.OFF_PEAK,
                -best.discount_bp,
                -round_div(amount * best.discount_bp, BASIS_POINTS),
            )
        )

    zones = set(zone_ids)
    congestion = [
        Applied(
            r.rule_id,
            AdjustmentKind.CONGESTION,
            r.adjustment_bp,
            round_div(amount * r.adjustment_bp, BASIS_POINTS),
        )
        for r in rules.congestion
        if r.zone_id in zones and r.band.contains(local)
    ]
    applied.extend(congestion)
    surcharge = sum(a.delta for a in congestion)
    ceiling = round_div(amount * rules.max_surcharge_bp, BASIS_POINTS)
    if surcharge > ceiling:
        applied.append(
            Applied(
                "max_surcharge",
                AdjustmentKind.SURCHARGE_CAP,
                rules.max_surcharge_bp,
                ceiling - surcharge,
            )
        )

    result = amount + sum(a.delta for a in applied)
    if result < 0:
        applied.append(Applied("floor", AdjustmentKind.FLOOR, 0, -result))
        result = 0
    return Adjusted(result, amount, tuple(a for a in applied if a.delta))

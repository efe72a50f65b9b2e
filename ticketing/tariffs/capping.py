"""Fare capping: pay-as-you-go taps never cost more than the day, week or month cap.

A rider taps a bank card or account token at gates of any operator; each tap is charged its
base fare until the sum charged in a period (service day, ISO week, calendar month, all local)
reaches that period's cap for the rider's category, after which further taps are free until
the period ends. Caps are shared across operators: the charge records the operator so that the
revenue can be apportioned, but the room left under a cap is one amount per rider.

Why a capped rider never pays more than the best choice of passes: covering a history's trips
with single fares and day, week and month passes priced at the caps is a covering problem whose
LP dual gives each trip a value y >= 0, at most its fare, with each day's, week's and month's
values summing to at most its cap. The charges here satisfy exactly those constraints, so by
weak LP duality their total is at most the LP optimum and hence at most the cheapest cover
(tests/ticketing/tariffs/test_capping_properties.py checks it against brute force).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

from mobility.money import check_currency
from ticketing.tariffs.errors import InvalidTariff, InvalidTariffInput
from ticketing.tariffs.servicedays import (
    DEFAULT_DAY_START,
    DEFAULT_TIMEZONE,
    check_aware,
    check_day_start,
    day_boundary,
    month_start,
    service_day,
    week_start,
    zone,
)


class Period(StrEnum):
    """A capping period, in local service days."""

    DAY = "day"
    WEEK = "week"  # ISO week, Monday to Sunday
    MONTH = "month"  # calendar month


@dataclass(frozen=True, slots=True)
class Caps:
    """The caps of one rider category in minor units; None means no cap for that period."""

    daily: int | None = None
    weekly: int | None = None
    monthly: int | None = None

    def __post_init__(self) -> None:
        for name in ("daily", "weekly", "monthly"):
            value = getattr(self, name)
            if value is not None and (type(value) is not int or value < 0):
                raise InvalidTariff(f"a {name} cap is a non-negative integer amount, not {value!r}")

    def of(self, period: Period) -> int | None:
        """The cap of `period`, or None."""
        return {Period.DAY: self.daily, Period.WEEK: self.weekly, Period.MONTH: self.monthly}[
            period
        ]


@dataclass(frozen=True)
class CapPolicy:
    """An authority's capping rules: caps per rider category, in one currency and local time.

    `day_start` is the local wall-clock time a service day begins (a tap at 01:30 with the
    default 04:00 belongs to the previous day). A rider category absent from `caps` is not
    capped (its taps always cost the base fare).
    """

    caps: Mapping[str, Caps]
    currency: str = "EUR"
    timezone: str = DEFAULT_TIMEZONE
    day_start: time = DEFAULT_DAY_START
    tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "currency", check_currency(self.currency))
        except ValueError as exc:
            raise InvalidTariff(str(exc)) from exc
        object.__setattr__(self, "tz", zone(self.timezone))
        check_day_start(self.day_start)
        for category, caps in self.caps.items():
            if not isinstance(category, str) or not category:
                raise InvalidTariff(f"a rider category is a non-empty string, not {category!r}")
            if not isinstance(caps, Caps):
                raise InvalidTariff(f"caps of '{category}' must be a Caps, not {caps!r}")
        object.__setattr__(self, "caps", MappingProxyType(dict(self.caps)))

    def caps_for(self, rider_category: str) -> Caps:
        """The caps of `rider_category` (no caps at all when the policy has none for it)."""
        return self.caps.get(rider_category, _NO_CAPS)

    def service_day(self, when: datetime) -> date:
        """The local service day of the instant `when`."""
        return service_day(when, self.tz, self.day_start)

    def window_start(self, rider_category: str, when: datetime) -> datetime:
        """The earliest instant whose charges can bind a tap at `when`: the history to load.

        The start of the longest capped period containing `when` (the month's, or the week's
        when that began in the previous month); `when`'s own service day start if no period
        of the category is capped.
        """
        check_aware(when, "a tap time")
        caps, day = self.caps_for(rider_category), self.service_day(when)
        starts = [day]
        if caps.weekly is not None:
            starts.append(week_start(day))
        if caps.monthly is not None:
            starts.append(month_start(day))
        return day_boundary(min(starts), self.tz, self.day_start)


_NO_CAPS = Caps()


@dataclass(frozen=True, slots=True)
class Tap:
    """A pay-as-you-go validation: its id, instant, base fare (minor units) and operator."""

    tap_id: str
    when: datetime
    base_fare: int
    operator_id: str

    def __post_init__(self) -> None:
        check_aware(self.when, f"tap {self.tap_id!r} time")
        if type(self.base_fare) is not int or self.base_fare < 0:
            raise InvalidTariffInput(
                f"tap {self.tap_id!r}: a base fare is a non-negative integer, "
                f"not {self.base_fare!r}"
            )


@dataclass(frozen=True, slots=True)
class Charge:
    """What a tap cost: `charged` <= `base_fare`; `capped_by` the periods whose cap bound it.

    `capped_by` is empty when the rider paid the full base fare; otherwise it lists each period
    whose remaining room (cap minus what earlier taps of the period were charged) is the amount
    charged. `service_day` is the local service day the tap counts in.
    """

    tap_id: str
    operator_id: str
    when: datetime
    service_day: date
    base_fare: int
    charged: int
    capped_by: tuple[Period, ...] = ()

    @property
    def saved(self) -> int:
        """What the caps saved the rider on this tap."""
        return self.base_fare - self.charged


_PERIODS = (Period.DAY, Period.WEEK, Period.MONTH)
_INDEX = {Period.DAY: 0, Period.WEEK: 1, Period.MONTH: 2}


def _period_keys(day: date) -> tuple[date, date, date]:
    """The first service day of the day, week and month containing `day`."""
    return day, week_start(day), month_start(day)


def _limits(caps: Caps, day: date) -> list[tuple[Period, date, int]]:
    """(period, its first day, cap) of each capped period containing service day `day`."""
    return [
        (period, key, cap)
        for period, key, cap in zip(
            _PERIODS, _period_keys(day), (caps.daily, caps.weekly, caps.monthly), strict=True
        )
        if cap is not None
    ]


def _charge(tap: Tap, day: date, rooms: Mapping[Period, int]) -> Charge:
    """The tap charged min(base fare, every room), with the periods that bound it."""
    charged = min(tap.base_fare, *rooms.values()) if rooms else tap.base_fare
    capped_by = (
        tuple(period for period, room in rooms.items() if room == charged)
        if charged < tap.base_fare
        else ()
    )
    return Charge(tap.tap_id, tap.operator_id, tap.when, day, tap.base_fare, charged, capped_by)


def charge_tap(
    policy: CapPolicy, rider_category: str, history: Sequence[Charge], tap: Tap
) -> Charge:
    """The charge of `tap` given the rider's earlier charges: the base fare, capped.

    Parameters
    ----------
    policy
        The capping policy.
    rider_category
        The rider's category; its caps apply (none if the policy has none for it).
    history
        The rider's earlier charges, across all operators, in chronological order (as
        `apply_caps` returns them or a repository reads them ordered by time). Only charges of
        periods containing `tap` matter; passing just those since
        `policy.window_start(rider_category, tap.when)` keeps the call cheap.
    tap
        The tap to price.

    Returns
    -------
    Charge
        ``charged = min(base_fare, room(day), room(week), room(month))`` where a period's room
        is its cap minus the sum charged by `history` in that period (zero, never negative).

    Notes
    -----
    The history is read backwards and the scan stops at the first charge before the window,
    so a call costs O(charges in the window), independent of the rider's total history.
    Taps arriving late (an offline gate synchronising) are priced against the charges already
    recorded in their periods; the invariant that no period's sum exceeds its cap still holds.
    Raises `InvalidTariffInput` if the part of `history` read is not chronological.
    """
    day = policy.service_day(tap.when)
    limits = _limits(policy.caps_for(rider_category), day)
    if not limits or tap.base_fare == 0:
        return _charge(tap, day, {})
    # Each period as a half-open range of service days: comparing dates is the cheap test
    # done per earlier charge (no calendar arithmetic inside the loop).
    bounds = [(key, _period_end(period, key)) for period, key, _ in limits]
    earliest = min(key for key, _ in bounds)
    spent = [0] * len(bounds)
    later: datetime | None = None
    for previous in reversed(history):
        if later is not None and previous.when > later:
            raise InvalidTariffInput(
                f"charge history is not chronological at tap {previous.tap_id!r}"
            )
        later = previous.when
        previous_day = previous.service_day
        if previous_day < earliest:
            break
        for k, (first, end) in enumerate(bounds):
            if first <= previous_day < end:
                spent[k] += previous.charged
    return _charge(
        tap,
        day,
        {period: max(0, cap - spent[k]) for k, (period, _, cap) in enumerate(limits)},
    )


def _period_end(period: Period, first: date) -> date:
    """The first service day after the period that begins on `first`."""
    if period is Period.DAY:
        return first + timedelta(days=1)
    if period is Period.WEEK:
        return first + timedelta(days=7)
    return (first + timedelta(days=32)).replace(day=1)


def apply_caps(policy: CapPolicy, rider_category: str, taps: Iterable[Tap]) -> list[Charge]:
    """The charges of a rider's taps, in chronological order (ties keep the input order).

    Each tap is charged as `charge_tap` would against the charges before it, so the sum
    charged in any capped period never exceeds its cap and a tap costs its full base fare
    until a cap binds. Running sums per period make the whole history cost O(taps).
    Raises `InvalidTariffInput` when a tap id appears twice.
    """
    ordered = sorted(taps, key=lambda t: t.when)
    if len({tap.tap_id for tap in ordered}) != len(ordered):
        raise InvalidTariffInput("a tap id appears twice in the taps to charge")
    caps = policy.caps_for(rider_category)
    spent: dict[tuple[Period, date], int] = {}
    charges: list[Charge] = []
    for tap in ordered:
        day = policy.service_day(tap.when)
        limits = _limits(caps, day)
        charge = _charge(
            tap,
            day,
            {period: max(0, cap - spent.get((period, key), 0)) for period, key, cap in limits},
        )
        for period, key, _ in limits:
            spent[period, key] = spent.get((period, key), 0) + charge.charged
        charges.append(charge)
    return charges


def period_totals(charges: Iterable[Charge], period: Period) -> dict[date, int]:
    """The sum charged per period (keyed by the period's first service day)."""
    totals: dict[date, int] = {}
    for charge in charges:
        key = _period_keys(charge.service_day)[_INDEX[period]]
        totals[key] = totals.get(key, 0) + charge.charged
    return totals

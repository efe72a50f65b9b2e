"""Money as integer minor units with an ISO 4217 currency, and the VAT split of a gross amount.

Amounts never pass through floats: prices, taxes and shares are integers, and every division
says how it rounds. Italian public transport tickets carry 10% VAT included in the price, so
the receipt splits a gross amount into net and tax (`vat_included`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_CURRENCY = re.compile(r"[A-Z]{3}")
BASIS_POINTS = 10_000  # 100% in basis points


class CurrencyMismatch(ValueError):
    """Two amounts of different currencies met in one sum."""


def check_currency(code: str) -> str:
    """The ISO 4217 code, upper case; ValueError for anything that is not three letters."""
    upper = code.upper() if isinstance(code, str) else code
    if not (isinstance(upper, str) and _CURRENCY.fullmatch(upper)):
        raise ValueError(f"currency must be an ISO 4217 code such as EUR, not {code!r}")
    return upper


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount in minor units (cents for EUR) of one currency; may be negative (refunds)."""

    amount: int
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if type(self.amount) is not int:
            raise TypeError(f"money amounts are integer minor units, not {self.amount!r}")
        object.__setattr__(self, "currency", check_currency(self.currency))

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} do not add up")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, count: int) -> Money:
        return Money(self.amount * count, self.currency)

    def percent_bp(self, basis_points: int) -> Money:
        """This amount scaled by `basis_points`/10,000, rounded half away from zero."""
        return Money(round_div(self.amount * basis_points, BASIS_POINTS), self.currency)

    def __str__(self) -> str:
        sign = "-" if self.amount < 0 else ""
        units, cents = divmod(abs(self.amount), 100)
        return f"{sign}{units}.{cents:02d} {self.currency}"


def round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integers (no float error)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def total(amounts: Iterable[Money], currency: str = "EUR") -> Money:
    """The sum of `amounts` (zero of `currency` when empty); CurrencyMismatch on mixed ones."""
    result = Money(0, currency)
    first = True
    for amount in amounts:
        result = amount if first else result + amount
        first = False
    return result


@dataclass(frozen=True, slots=True)
class VatSplit:
    gross: Money
    net: Money
    vat: Money
    rate_bp: int


def vat_included(gross: Money, rate_bp: int) -> VatSplit:
    """Split a VAT-inclusive amount: vat = gross * rate / (1 + rate), rounded to the cent."""
    if not 0 <= rate_bp <= BASIS_POINTS:
        raise ValueError("a VAT rate is between 0 and 10,000 basis points")
    vat = round_div(gross.amount * rate_bp, BASIS_POINTS + rate_bp)
    return VatSplit(
        gross, Money(gross.amount - vat, gross.currency), Money(vat, gross.currency), rate_bp
    )


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split `amount` in proportion to non-negative integer `weights`, summing exactly to it.

    Largest remainder method: each part is floored, then the cents left over go one each to
    the parts with the largest remainders (ties to the earlier part), so nothing is lost or
    invented by rounding. Negative amounts split symmetrically.
    """
    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("allocation needs at least one positive weight and none negative")
    sign, magnitude, whole = (-1 if amount < 0 else 1), abs(amount), sum(weights)
    parts = [magnitude * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(magnitude * weights[i] % whole), i))
    for i in remainders[: magnitude - sum(parts)]:
        parts[i] += 1
    return [sign * p for p in parts]

"""Family and group tickets: the cheapest way for people travelling together to pay.

Three ways are compared: everyone on their own ticket; family tickets (each a flat price for up
to `max_adults` adults and `max_children` children, with at least `min_adults` and
`min_children` of them; travellers beyond pay their own fare); and a group discount in basis
points once the party reaches a size. The cheapest wins, the individual fares on a tie, then
the family tickets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from mobility.money import BASIS_POINTS, round_div
from ticketing.tariffs.errors import InvalidTariff, InvalidTariffInput


def _count(name: str, value: int, minimum: int = 0) -> None:
    if type(value) is not int or value < minimum:
        raise InvalidTariff(f"{name} is an integer of at least {minimum}, not {value!r}")


@dataclass(frozen=True, slots=True)
class FamilyTicket:
    """A flat `price` for up to `max_adults` adults and `max_children` children."""

    price: int
    max_adults: int = 2
    max_children: int = 3
    min_adults: int = 1
    min_children: int = 1
    adult_category: str = "adult"
    child_category: str = "child"

    def __post_init__(self) -> None:
        _count("price", self.price)
        _count("max_adults", self.max_adults, 1)
        _count("max_children", self.max_children, 1)
        _count("min_adults", self.min_adults, 1)
        _count("min_children", self.min_children, 0)
        if self.min_adults > self.max_adults or self.min_children > self.max_children:
            raise InvalidTariff("a family ticket's minimums exceed its maximums")
        if self.adult_category == self.child_category:
            raise InvalidTariff("a family ticket's adult and child categories must differ")


@dataclass(frozen=True, slots=True)
class GroupDiscount:
    """`discount_bp` off the individual fares for a party of at least `min_size` people."""

    min_size: int
    discount_bp: int

    def __post_init__(self) -> None:
        _count("min_size", self.min_size, 2)
        if type(self.discount_bp) is not int or not 0 < self.discount_bp <= BASIS_POINTS:
            raise InvalidTariff("a group discount is 1..10000 basis points")


@dataclass(frozen=True)
class GroupTariff:
    """Unit prices per rider category and the family and group offers (either may be absent)."""

    unit_prices: Mapping[str, int]
    family: FamilyTicket | None = None
    group: GroupDiscount | None = None

    def __post_init__(self) -> None:
        for category, price in self.unit_prices.items():
            _count(f"the unit price of {category!r}", price)
        if self.family is not None:
            for category in (self.family.adult_category, self.family.child_category):
                if category not in self.unit_prices:
                    raise InvalidTariff(f"the family ticket's category {category!r} has no price")
        object.__setattr__(self, "unit_prices", MappingProxyType(dict(self.unit_prices)))


class GroupOption(StrEnum):
    INDIVIDUAL = "individual"
    FAMILY = "family"
    GROUP = "group"


@dataclass(frozen=True)
class GroupPrice:
    """The cheapest option, its total, the number of family tickets, and every option's total."""

    total: int
    option: GroupOption
    explanation: str
    family_tickets: int = 0
    options: Mapping[GroupOption, int] = field(default_factory=dict)


def price_group(members: Mapping[str, int], tariff: GroupTariff) -> GroupPrice:
    """The cheapest way for `members` (count per rider category) to travel together.

    Parameters
    ----------
    members
        How many travellers of each rider category (every category needs a unit price).
    tariff
        Unit prices and the family and group offers.

    Returns
    -------
    GroupPrice
        The cheapest of the individual fares, the best number of family tickets (k tickets
        cover up to k * max_adults adults and k * max_children children and need at least
        k * min_adults and k * min_children; everyone else pays their unit price; every
        feasible k is tried), and the group discount (on the individual total, rounded half
        away from zero). `options` holds the total of each option that was available.
    """
    for category, count in members.items():
        if type(count) is not int or count < 0:
            raise InvalidTariffInput(f"{category!r}: a member count is a non-negative integer")
        if count and category not in tariff.unit_prices:
            raise InvalidTariffInput(f"rider category {category!r} has no unit price")
    size = sum(members.values())
    if size == 0:
        raise InvalidTariffInput("a party needs at least one traveller")
    individual = sum(tariff.unit_prices[c] * n for c, n in members.items() if n)
    options: dict[GroupOption, int] = {GroupOption.INDIVIDUAL: individual}
    best = GroupPrice(individual, GroupOption.INDIVIDUAL, f"{size} individual tickets")

    family = tariff.family
    if family is not None:
        adults = members.get(family.adult_category, 0)
        children = members.get(family.child_category, 0)
        by_children = children // family.min_children if family.min_children else size
        most = min(adults // family.min_adults, by_children)
        for k in range(1, most + 1):
            covered_adults = min(adults, k * family.max_adults)
            covered_children = min(children, k * family.max_children)
            rest = individual - (
                covered_adults * tariff.unit_prices[family.adult_category]
                + covered_children * tariff.unit_prices[family.child_category]
            )
            total = k * family.price + rest
            if total < options.get(GroupOption.FAMILY, total + 1):
                options[GroupOption.FAMILY] = total
                if total < best.total:
                    best = GroupPrice(
                        total,
                        GroupOption.FAMILY,
                        f"{k} family ticket(s) for {covered_adults} adult(s) and "
                        f"{covered_children} child(ren); the other "
                        f"{size - covered_adults - covered_children} pay their own fare",
                        family_tickets=k,
                    )

    group = tariff.group
    if group is not None and size >= group.min_size:
        total = individual - round_div(individual * group.discount_bp, BASIS_POINTS)
        options[GroupOption.GROUP] = total
        if total < best.total:
            best = GroupPrice(
                total,
                GroupOption.GROUP,
                f"group of {size} (at least {group.min_size}): "
                f"{group.discount_bp / 100:g}% off {individual}",
            )
    return GroupPrice(
        best.total, best.option, best.explanation, best.family_tickets, MappingProxyType(options)
    )

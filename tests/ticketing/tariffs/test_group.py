"""Family and group tickets: the cheapest option for a party, checked by hand and brute force."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketing.tariffs import (
    FamilyTicket,
    GroupDiscount,
    GroupOption,
    GroupTariff,
    InvalidTariff,
    InvalidTariffInput,
    price_group,
)

PRICES = {"adult": 300, "child": 150, "senior": 200}
TARIFF = GroupTariff(
    PRICES,
    family=FamilyTicket(price=700, max_adults=2, max_children=3),
    group=GroupDiscount(min_size=8, discount_bp=2000),
)


def test_single_traveller_pays_individually() -> None:
    """One adult: individual ticket; neither the family nor the group offer is available."""
    result = price_group({"adult": 1}, TARIFF)
    assert (result.total, result.option) == (300, GroupOption.INDIVIDUAL)
    assert set(result.options) == {GroupOption.INDIVIDUAL}


def test_family_ticket_for_two_adults_three_children() -> None:
    """2 adults + 3 children: 10.50 individually, 7.00 as a family ticket."""
    result = price_group({"adult": 2, "child": 3}, TARIFF)
    assert (result.total, result.option, result.family_tickets) == (700, GroupOption.FAMILY, 1)
    assert result.options[GroupOption.INDIVIDUAL] == 1050


def test_extra_children_and_other_categories_pay_their_fare() -> None:
    """2 adults, 5 children, a senior: family 7.00 + 2 children 3.00 + senior 2.00 = 12.00."""
    result = price_group({"adult": 2, "child": 5, "senior": 1}, TARIFF)
    assert (result.total, result.option) == (1200, GroupOption.FAMILY)
    assert "the other 3 pay their own fare" in result.explanation


def test_family_needs_an_adult_and_a_child() -> None:
    """Two adults alone cannot use the family ticket."""
    result = price_group({"adult": 2}, TARIFF)
    assert GroupOption.FAMILY not in result.options


def test_two_family_tickets_when_cheaper() -> None:
    """4 adults + 6 children: two family tickets (14.00) beat one plus singles (7.00 + 10.50)."""
    result = price_group({"adult": 4, "child": 6}, TARIFF)
    assert (result.total, result.family_tickets) == (1400, 2)


def test_group_discount_for_large_party() -> None:
    """Ten adults: 20% off 30.00 is 24.00, cheaper than singles (no child: no family ticket)."""
    result = price_group({"adult": 10}, TARIFF)
    assert (result.total, result.option) == (2400, GroupOption.GROUP)
    assert "20% off 3000" in result.explanation


def test_tie_prefers_individual_tickets() -> None:
    """When the family ticket costs the same as singles, the individual option is chosen."""
    tariff = GroupTariff(PRICES, family=FamilyTicket(price=450))
    result = price_group({"adult": 1, "child": 1}, tariff)
    assert (result.total, result.option) == (450, GroupOption.INDIVIDUAL)


def test_invalid_inputs_are_refused() -> None:
    """Unknown categories, empty parties, bad offers are refused."""
    with pytest.raises(InvalidTariffInput, match="no unit price"):
        price_group({"dog": 1}, TARIFF)
    with pytest.raises(InvalidTariffInput, match="at least one"):
        price_group({"adult": 0}, TARIFF)
    with pytest.raises(InvalidTariff, match="has no price"):
        GroupTariff({"adult": 100}, family=FamilyTicket(500))
    with pytest.raises(InvalidTariff, match="minimums"):
        FamilyTicket(500, max_adults=1, min_adults=2)
    with pytest.raises(InvalidTariff, match="basis points"):
        GroupDiscount(5, 0)


def brute_force(members: dict[str, int], tariff: GroupTariff) -> int:
    """Cheapest total over every way to seat adults and children on any number of family tickets."""
    family = tariff.family
    assert family is not None
    individual = sum(tariff.unit_prices[c] * n for c, n in members.items())
    best = individual
    adults, children = members.get("adult", 0), members.get("child", 0)
    for k in range(1, adults + children + 1):
        for a, c in product(range(adults + 1), range(children + 1)):
            if not (
                k * family.min_adults <= a <= k * family.max_adults
                and k * family.min_children <= c <= k * family.max_children
            ):
                continue
            best = min(best, k * family.price + individual - a * 300 - c * 150)
    group = tariff.group
    if group is not None and sum(members.values()) >= group.min_size:
        best = min(best, individual - (individual * group.discount_bp + 5_000) // 10_000)
    return best


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {"adult": st.integers(0, 7), "child": st.integers(0, 9), "senior": st.integers(0, 3)}
    ).filter(lambda m: sum(m.values()) > 0),
    st.builds(
        FamilyTicket,
        st.integers(0, 2000),
        st.integers(1, 3),
        st.integers(1, 4),
        st.just(1),
        st.integers(0, 1),
    ),
    st.none() | st.builds(GroupDiscount, st.integers(2, 12), st.integers(1, 10_000)),
)
def test_cheapest_equals_brute_force(
    members: dict[str, int], family: FamilyTicket, group: GroupDiscount | None
) -> None:
    """The chosen total equals the brute-force cheapest over all seatings and the group offer."""
    tariff = GroupTariff(PRICES, family=family, group=group)
    result = price_group(members, tariff)
    assert result.total == brute_force(members, tariff) == min(result.options.values())
    assert result.total == result.options[result.option]

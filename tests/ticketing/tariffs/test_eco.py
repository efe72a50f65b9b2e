"""The eco incentive: park-and-ride + transit priced at most a share of the car alternative."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketing.tariffs import (
    CarAlternative,
    EcoIncentive,
    InvalidTariff,
    InvalidTariffInput,
    eco_price,
)

# 18 km into town and back at 0.30/km, 8.00 parking, 5.00 congestion charge: 23.80 by car.
CAR = CarAlternative(distance_m=36_000, cost_per_km=30, parking=800, congestion_charge=500)


def test_car_alternative_cost() -> None:
    """Running cost is distance x cost per km, rounded to the cent, plus parking and charge."""
    assert (CAR.running_cost, CAR.cost) == (1080, 2380)
    assert CarAlternative(1_050, 25).running_cost == 26  # 26.25 cents rounds to 26


def test_discount_brings_price_to_the_share() -> None:
    """P+R 6.00 + transit 17.00 = 23.00 is above 80% of 23.80 (19.04): priced 19.04."""
    quote = eco_price(600, 1700, CAR, EcoIncentive(max_share_bp=8000))
    assert (quote.regular_price, quote.ceiling, quote.price, quote.discount) == (
        2300,
        1904,
        1904,
        396,
    )
    assert "80% of the car alternative (2380" in quote.explanation


def test_no_discount_when_already_cheaper() -> None:
    """P+R 3.00 + transit 4.00 is already below 80% of the car: no discount."""
    quote = eco_price(300, 400, CAR, EcoIncentive())
    assert (quote.price, quote.discount) == (700, 0)
    assert "no discount" in quote.explanation


def test_floor_holds_but_never_raises_the_price() -> None:
    """A short drive makes the share tiny: the floor applies, but never above the regular price."""
    short = CarAlternative(distance_m=4_000, cost_per_km=30)  # 1.20 by car, 0.96 at 80%
    quote = eco_price(200, 300, short, EcoIncentive(floor=250))
    assert (quote.price, quote.discount) == (250, 250)
    assert "floor" in quote.explanation
    assert eco_price(100, 100, short, EcoIncentive(floor=250)).price == 200


def test_ceiling_rounds_down() -> None:
    """80% of 1.99 is 159.2 cents: the price is 1.59, never above the share."""
    car = CarAlternative(distance_m=0, cost_per_km=0, parking=199)
    assert eco_price(0, 500, car, EcoIncentive()).price == 159


def test_invalid_inputs_are_refused() -> None:
    """Shares outside 0..100%, negative floors, fees and distances are refused."""
    with pytest.raises(InvalidTariff, match="max_share_bp"):
        EcoIncentive(max_share_bp=10_001)
    with pytest.raises(InvalidTariff, match="floor"):
        EcoIncentive(floor=-1)
    with pytest.raises(InvalidTariffInput, match="distance_m"):
        CarAlternative(-1, 30)
    with pytest.raises(InvalidTariffInput, match="transit_fare"):
        eco_price(0, -5, CAR, EcoIncentive())


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 5000),
    st.integers(0, 5000),
    st.builds(
        CarAlternative,
        st.integers(0, 200_000),
        st.integers(0, 100),
        st.integers(0, 3000),
        st.integers(0, 1500),
    ),
    st.builds(EcoIncentive, st.integers(0, 10_000), st.integers(0, 3000)),
)
def test_price_bounds(fee: int, fare: int, car: CarAlternative, incentive: EcoIncentive) -> None:
    """Price <= regular; price <= share of the car cost unless the floor holds; price >= floor."""
    quote = eco_price(fee, fare, car, incentive)
    assert quote.discount == quote.regular_price - quote.price >= 0
    assert quote.price >= min(incentive.floor, quote.regular_price)
    if quote.price > incentive.floor:
        assert quote.price * 10_000 <= car.cost * incentive.max_share_bp or quote.discount == 0

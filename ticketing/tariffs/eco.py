"""Eco incentive: park-and-ride plus transit priced below the car alternative.

A driver choosing between driving into town and leaving the car at a park-and-ride compares
what each costs them. The car alternative is the running cost of the distance plus parking at
the destination plus any congestion charge; the combined park-and-ride ticket (parking plus the
transit fare) is discounted so that it costs at most a configured share of that, never below a
floor, and never more than it would cost without the incentive.
"""

from __future__ import annotations

from dataclasses import dataclass

from mobility.money import BASIS_POINTS, round_div
from ticketing.tariffs.errors import InvalidTariff, InvalidTariffInput


def _non_negative(name: str, value: int, error: type[ValueError]) -> None:
    if type(value) is not int or value < 0:
        raise error(f"{name} is a non-negative integer, not {value!r}")


@dataclass(frozen=True, slots=True)
class CarAlternative:
    """The same journey by car: distance, running cost per km, parking, congestion charge.

    Amounts in minor units; `distance_m` in metres (the whole journey, both ways for a return).
    """

    distance_m: int
    cost_per_km: int
    parking: int = 0
    congestion_charge: int = 0

    def __post_init__(self) -> None:
        for name in ("distance_m", "cost_per_km", "parking", "congestion_charge"):
            _non_negative(name, getattr(self, name), InvalidTariffInput)

    @property
    def running_cost(self) -> int:
        """Distance times the cost per km, rounded to the minor unit."""
        return round_div(self.distance_m * self.cost_per_km, 1000)

    @property
    def cost(self) -> int:
        """What the journey costs by car."""
        return self.running_cost + self.parking + self.congestion_charge


@dataclass(frozen=True, slots=True)
class EcoIncentive:
    """P+R + transit costs at most `max_share_bp` of the car alternative, and at least `floor`."""

    max_share_bp: int = 8000
    floor: int = 0

    def __post_init__(self) -> None:
        if type(self.max_share_bp) is not int or not 0 <= self.max_share_bp <= BASIS_POINTS:
            raise InvalidTariff("max_share_bp is 0..10000 basis points")
        _non_negative("floor", self.floor, InvalidTariff)


@dataclass(frozen=True, slots=True)
class EcoQuote:
    """The combined ticket's price and discount, the figures behind them and why."""

    car_cost: int
    regular_price: int  # P+R parking + transit fare, without incentive
    ceiling: int  # max_share_bp of car_cost, rounded down
    price: int
    discount: int
    explanation: str


def eco_price(
    park_and_ride_fee: int, transit_fare: int, car: CarAlternative, incentive: EcoIncentive
) -> EcoQuote:
    """The price of a park-and-ride + transit ticket under the eco incentive.

    Parameters
    ----------
    park_and_ride_fee
        The park-and-ride parking fee (minor units).
    transit_fare
        The transit fare of the onward journey (minor units).
    car
        The car alternative of the same journey.
    incentive
        The authority's share and floor.

    Returns
    -------
    EcoQuote
        ``price = min(regular, max(floor, ceiling))`` where ``regular`` is fee + fare and
        ``ceiling = car.cost * max_share_bp // 10000`` (rounded down, so the price is at most
        the share); ``discount = regular - price`` is never negative.
    """
    _non_negative("park_and_ride_fee", park_and_ride_fee, InvalidTariffInput)
    _non_negative("transit_fare", transit_fare, InvalidTariffInput)
    regular = park_and_ride_fee + transit_fare
    car_cost = car.cost
    ceiling = car_cost * incentive.max_share_bp // BASIS_POINTS
    share = f"{incentive.max_share_bp / 100:g}%"
    if regular <= ceiling:
        price = regular
        why = (
            f"park-and-ride + transit ({regular}) already costs at most {share} of the car "
            f"alternative ({car_cost}): no discount needed"
        )
    elif incentive.floor > ceiling:
        price = min(regular, incentive.floor)
        why = (
            f"{share} of the car alternative ({car_cost}) is {ceiling}, below the floor of "
            f"{incentive.floor}: priced at {price}"
        )
    else:
        price = ceiling
        why = (
            f"priced at {share} of the car alternative ({car_cost}: running {car.running_cost}, "
            f"parking {car.parking}, congestion charge {car.congestion_charge})"
        )
    return EcoQuote(car_cost, regular, ceiling, price, regular - price, why)

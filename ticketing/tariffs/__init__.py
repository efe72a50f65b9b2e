"""Innovative tariffs as pure functions: fare capping, best fare, off-peak, congestion-linked,
eco and group pricing."""

from ticketing.tariffs.adjustments import (
    Adjusted,
    AdjustmentKind,
    AdjustmentRules,
    Applied,
    CongestionAdjustment,
    OffPeakDiscount,
    TimeBand,
    adjust,
)
from ticketing.tariffs.best_fare import (
    BestFareResult,
    Carnet,
    Cover,
    DayPass,
    Product,
    TimeTicket,
    Trip,
    best_fare,
)
from ticketing.tariffs.capping import (
    CapPolicy,
    Caps,
    Charge,
    Period,
    Tap,
    apply_caps,
    charge_tap,
    period_totals,
)
from ticketing.tariffs.eco import CarAlternative, EcoIncentive, EcoQuote, eco_price
from ticketing.tariffs.errors import InvalidTariff, InvalidTariffInput
from ticketing.tariffs.group import (
    FamilyTicket,
    GroupDiscount,
    GroupOption,
    GroupPrice,
    GroupTariff,
    price_group,
)
from ticketing.tariffs.servicedays import service_day

__all__ = [
    "Adjusted",
    "AdjustmentKind",
    "AdjustmentRules",
    "Applied",
    "BestFareResult",
    "CapPolicy",
    "Caps",
    "CarAlternative",
    "Carnet",
    "Charge",
    "CongestionAdjustment",
    "Cover",
    "DayPass",
    "EcoIncentive",
    "EcoQuote",
    "FamilyTicket",
    "GroupDiscount",
    "GroupOption",
    "GroupPrice",
    "GroupTariff",
    "InvalidTariff",
    "InvalidTariffInput",
    "OffPeakDiscount",
    "Period",
    "Product",
    "Tap",
    "TimeBand",
    "TimeTicket",
    "Trip",
    "adjust",
    "apply_caps",
    "best_fare",
    "charge_tap",
    "eco_price",
    "period_totals",
    "price_group",
    "service_day",
]

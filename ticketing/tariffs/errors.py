"""Errors of the tariff algorithms: a bad policy (configuration) or bad input to price."""

from __future__ import annotations

from mobility.errors import ValidationFailed
from ticketing.errors import TariffConfigInvalid


class InvalidTariff(TariffConfigInvalid, ValueError):
    """A tariff policy object is inconsistent (negative price, unknown timezone, ...)."""


class InvalidTariffInput(ValidationFailed, ValueError):
    """Input to a tariff algorithm cannot be priced (naive datetime, unsorted history, ...)."""

    type_slug = "invalid-tariff-input"
    title = "The input cannot be priced by the tariff"

"""Errors of the tariff catalogue beyond those in ticketing/errors.py."""

from __future__ import annotations

from mobility.errors import BadRequest, Conflict, NotFound, ValidationFailed


class RiderCategoryNotFound(NotFound):
    type_slug = "rider-category-not-found"
    title = "Rider category not found"


class NoPriceForRiderCategory(BadRequest):
    type_slug = "no-price-for-rider-category"
    title = "The product is not sold to this rider category"


class TariffsNotLoaded(Conflict):
    type_slug = "tariffs-not-loaded"
    title = "No tariff configuration has been loaded"


class CongestionBandsInvalid(ValidationFailed):
    type_slug = "congestion-bands-invalid"
    title = "Congestion bands invalid"

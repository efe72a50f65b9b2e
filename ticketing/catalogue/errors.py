"""Errors of the tariff catalogue beyond those in ticketing/errors.py."""

from __future__ import annotations

from collections.abc import Sequence

from mobility.auth.errors import InsufficientScope
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


class AnyScopeRequired(InsufficientScope):
    """The caller holds none of several scopes, any one of which would do."""

    def __init__(self, scopes: Sequence[str]) -> None:
        super().__init__(required=scopes, missing=scopes)
        self.detail = "requires one of the scopes " + " or ".join(sorted(scopes))
        self.args = (self.detail,)

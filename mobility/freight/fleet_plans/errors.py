"""Errors of fleet plans."""

from __future__ import annotations

from mobility.errors import NotFound, ValidationFailed


class FleetPlanNotFound(NotFound):
    type_slug = "fleet-plan-not-found"
    title = "No such fleet plan"


class FleetPlanInvalid(ValidationFailed):
    """A request that names unknown terminals or gate slots, or slots of another terminal or
    organisation; the detail says which item."""

    type_slug = "fleet-plan-invalid"
    title = "Invalid fleet plan request"

"""Errors of traffic scenarios."""

from __future__ import annotations

from mobility.errors import Conflict, NotFound, ValidationFailed


class ScenarioNotFound(NotFound):
    type_slug = "traffic-scenario-not-found"
    title = "No such traffic scenario"


class ScenarioInvalid(ValidationFailed):
    """A change that cannot apply to the network (the `change` member is its 0-based index),
    or a period or vehicle class that does not exist."""

    type_slug = "traffic-scenario-invalid"
    title = "Invalid traffic scenario"


class ScenarioNotDone(Conflict):
    """Results were asked of a scenario whose run has not finished (or failed)."""

    type_slug = "traffic-scenario-not-done"
    title = "The scenario has no results yet"

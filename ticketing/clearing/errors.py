"""Errors of revenue clearing."""

from __future__ import annotations

from mobility.errors import Conflict, ValidationFailed


class InvalidPeriod(ValidationFailed):
    type_slug = "clearing-invalid-period"
    title = "A clearing period is a month written YYYY-MM"


class ClearingPeriodOpen(Conflict):
    type_slug = "clearing-period-open"
    title = "The period has not ended: its clearing cannot be posted yet"


class SharingRulesMissing(Conflict):
    type_slug = "clearing-rules-missing"
    title = "No tariff configuration with revenue-sharing rules is loaded"

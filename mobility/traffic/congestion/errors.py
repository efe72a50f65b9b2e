"""Errors of congestion levels and their publication."""

from __future__ import annotations

from mobility.errors import NotFound, ValidationFailed


class CongestionNotPublishable(ValidationFailed):
    """The scenario cannot set fares: its period has no time band, or its network's traffic
    zones are mapped to no fare zone."""

    type_slug = "traffic-congestion-not-publishable"
    title = "The scenario's congestion cannot be published"


class FareZoneMapInvalid(ValidationFailed):
    """A fare zone map naming zones the network does not have (listed in `errors`)."""

    type_slug = "traffic-fare-zone-map-invalid"
    title = "Invalid fare zone map"


class TimePeriodNotFound(NotFound):
    type_slug = "traffic-period-not-found"
    title = "No such time period"

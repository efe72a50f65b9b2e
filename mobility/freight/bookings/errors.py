"""Errors of freight routes and bookings, each with its stable problem+json type."""

from __future__ import annotations

from mobility.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed


class FreightNetworkNotLoaded(ServiceUnavailable):
    type_slug = "freight-network-not-loaded"
    title = "No freight data set is loaded (mobility freight load FILE)"


class FreightQueryInvalid(ValidationFailed):
    type_slug = "freight-query-invalid"
    title = "The freight route request cannot be answered as asked"


class FreightTerminalUnknown(ValidationFailed):
    type_slug = "freight-terminal-unknown"
    title = "Unknown freight terminal"


class FreightRouteUnavailable(Conflict):
    """The route cannot be booked as offered: a leg no longer runs, fits or takes the cargo."""

    type_slug = "freight-route-unavailable"
    title = "The route is no longer available"


class FreightBookingNotFound(NotFound):
    type_slug = "freight-booking-not-found"
    title = "Freight booking not found"

"""Errors of the traffic domain."""

from __future__ import annotations

from mobility.errors import Conflict, NotFound, ValidationFailed


class InvalidNetworkFile(ValidationFailed):
    """A network, demand or node file that cannot be read as what it claims to be.

    The detail names the file, the line (1-based, when one is to blame) and what is wrong;
    `file` and `line` are also problem+json extension members.
    """

    type_slug = "invalid-network-file"
    title = "Invalid network file"
    status = 422


class NetworkNotFound(NotFound):
    type_slug = "traffic-network-not-found"
    title = "No such road network"


class NetworkChanged(Conflict):
    """A different network file under a name already imported, without `replace`."""

    type_slug = "traffic-network-changed"
    title = "A different network exists under this name"


class DemandChanged(Conflict):
    """A different demand matrix for a network, class and period already imported."""

    type_slug = "traffic-demand-changed"
    title = "A different demand matrix exists for this class and period"


class VehicleClassInvalid(ValidationFailed):
    """A new vehicle class without its PCE factor, or a factor other than the one stored."""

    type_slug = "traffic-vehicle-class-invalid"
    title = "Invalid vehicle class"


class TimePeriodInvalid(ValidationFailed):
    """Times for a period other than the ones stored, or an end not after the start."""

    type_slug = "traffic-period-invalid"
    title = "Invalid time period"

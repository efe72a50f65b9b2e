"""Domain errors of GTFS-Realtime ingestion; each renders as problem+json via the one handler."""

from __future__ import annotations

from mobility.errors import BadRequest, NotFound, ServiceUnavailable


class CorruptRealtimeFeed(BadRequest):
    """The payload is not a GTFS-Realtime FeedMessage (bad wire format, empty, no header)."""

    type_slug = "gtfs-rt-corrupt-feed"
    title = "The GTFS-Realtime payload is not a valid FeedMessage"


class InvalidRealtimeRequest(BadRequest):
    """A caller-supplied argument is unusable: feed id, time zone, source scheme."""

    type_slug = "gtfs-rt-invalid-request"
    title = "Invalid GTFS-Realtime ingestion request"


class RealtimeSourceNotFound(NotFound):
    """A local path given as the source does not exist."""

    type_slug = "gtfs-rt-source-not-found"
    title = "The GTFS-Realtime source file does not exist"


class RealtimeSourceUnreachable(ServiceUnavailable):
    """The http(s) source timed out, refused the connection or answered with an error status."""

    type_slug = "gtfs-rt-source-unreachable"
    title = "The GTFS-Realtime source could not be fetched"


class RealtimeSourceTooLarge(BadRequest):
    """The source is bigger than the configured ceiling (a misconfigured URL, not a feed)."""

    type_slug = "gtfs-rt-source-too-large"
    title = "The GTFS-Realtime source is too large"


class RealtimeStoreUnavailable(ServiceUnavailable):
    """Redis could not be reached, or concurrent writers kept invalidating our transaction."""

    type_slug = "gtfs-rt-store-unavailable"
    title = "The real-time store is unavailable"

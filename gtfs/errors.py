"""GTFS domain errors."""

from __future__ import annotations

from mobility.errors import BadRequest, NotFound, ValidationFailed


class FeedNotFound(NotFound):
    type_slug = "feed-not-found"
    title = "No such feed"


class StopNotFound(NotFound):
    type_slug = "stop-not-found"
    title = "No such stop"


class TripNotFound(NotFound):
    type_slug = "trip-not-found"
    title = "No such trip"


class InvalidReference(BadRequest):
    type_slug = "invalid-reference"
    title = "A reference must be FEED:ID"


class FeedInvalid(ValidationFailed):
    type_slug = "gtfs-feed-invalid"
    title = "The GTFS feed has errors and was not imported"


class FeedUnreadable(BadRequest):
    type_slug = "gtfs-feed-unreadable"
    title = "The GTFS feed cannot be read"


class InvalidTimeWindow(BadRequest):
    type_slug = "invalid-time-window"
    title = "The time window is not valid"

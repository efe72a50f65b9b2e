"""The error base: each domain error carries its HTTP status, rendered as RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_BASE = "https://mobility.example/problems/"


class MobilityError(Exception):
    """Base of all domain errors; subclasses set `type_slug`, `title` and `status`."""

    type_slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal error"
    status: ClassVar[int] = 500

    def __init__(self, detail: str = "", **extensions: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extensions = extensions

    @classmethod
    def type_uri(cls) -> str:
        return PROBLEM_BASE + cls.type_slug

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """The RFC 9457 body: type, title, status, detail, instance, then extension members."""
        body: dict[str, Any] = {
            "type": self.type_uri(),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


class NotFound(MobilityError):
    type_slug = "not-found"
    title = "Resource not found"
    status = 404


class BadRequest(MobilityError):
    type_slug = "bad-request"
    title = "Bad request"
    status = 400


class ValidationFailed(MobilityError):
    type_slug = "validation-failed"
    title = "Request validation failed"
    status = 422


class Conflict(MobilityError):
    type_slug = "conflict"
    title = "Conflict with the current state"
    status = 409


class ServiceUnavailable(MobilityError):
    type_slug = "service-unavailable"
    title = "A backing service is unavailable"
    status = 503


class DatabaseNotMigrated(ServiceUnavailable):
    type_slug = "database-not-migrated"
    title = "The database schema is not at the current migration"

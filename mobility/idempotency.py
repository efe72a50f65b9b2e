"""The Idempotency-Key header of POSTs that create something (orders, freight bookings, gate
slots): read once, with the same rules and the same problem types everywhere."""

from __future__ import annotations

from mobility.errors import BadRequest, Conflict, ValidationFailed

MAX_KEY_LENGTH = 200


class IdempotencyKeyMissing(BadRequest):
    type_slug = "idempotency-key-missing"
    title = "Idempotency-Key header required"


class IdempotencyKeyReused(Conflict):
    type_slug = "idempotency-key-reused"
    title = "Idempotency-Key reused with a different request"


def idempotency_key(value: str | None) -> str:
    """The header's key, stripped; IdempotencyKeyMissing when absent or blank, ValidationFailed
    when longer than MAX_KEY_LENGTH or not printable."""
    if value is None or not value.strip():
        raise IdempotencyKeyMissing(
            "send an Idempotency-Key header (e.g. a UUID) with this request"
        )
    if len(value) > MAX_KEY_LENGTH or not value.isprintable():
        raise ValidationFailed(f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable characters")
    return value.strip()

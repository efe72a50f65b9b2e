"""Errors of the ticketing domain, each a MobilityError with its HTTP status and stable type."""

from __future__ import annotations

from mobility.errors import BadRequest, Conflict, NotFound, ServiceUnavailable

# One definition for every domain that takes an Idempotency-Key; ticketing's callers import
# them from here as before.
from mobility.idempotency import IdempotencyKeyMissing, IdempotencyKeyReused

__all__ = ["IdempotencyKeyMissing", "IdempotencyKeyReused"]


class OrderNotFound(NotFound):
    type_slug = "order-not-found"
    title = "Order not found"


class PassNotFound(NotFound):
    type_slug = "pass-not-found"
    title = "Pass not found"


class ProductNotFound(NotFound):
    type_slug = "product-not-found"
    title = "Product not found"


class OrderStateConflict(Conflict):
    type_slug = "order-state-conflict"
    title = "The order is not in a state that allows this"


class RefundNotAllowed(Conflict):
    type_slug = "refund-not-allowed"
    title = "Refund not allowed"


class PaymentDeclined(Conflict):
    type_slug = "payment-declined"
    title = "Payment declined"


class InvalidWebhook(BadRequest):
    type_slug = "invalid-webhook"
    title = "Webhook signature or payload invalid"


class PaymentProviderUnavailable(ServiceUnavailable):
    type_slug = "payment-provider-unavailable"
    title = "Payment provider unavailable"


class TariffConfigInvalid(BadRequest):
    type_slug = "tariff-config-invalid"
    title = "Tariff configuration invalid"

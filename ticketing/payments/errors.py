"""Errors of the payment providers beyond those in ticketing/errors.py."""

from __future__ import annotations

from mobility.errors import BadRequest, NotFound, ServiceUnavailable


class PaymentIntentNotFound(NotFound):
    type_slug = "payment-intent-not-found"
    title = "Payment intent not found at the provider"


class PaymentRequestInvalid(BadRequest):
    """The provider refused a request as malformed or not allowed in the intent's state."""

    type_slug = "payment-request-invalid"
    title = "Payment request rejected by the provider"


class PaymentConfigurationError(ServiceUnavailable):
    """The payment provider is not configured (e.g. Stripe without an API key)."""

    type_slug = "payment-provider-misconfigured"
    title = "Payment provider not configured"

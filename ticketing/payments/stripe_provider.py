"""Stripe behind the PaymentProvider interface: the one place that imports the official SDK.

PaymentIntents are created server-side with the order id in their metadata and confirmed by
the app (Stripe.js / mobile SDK) with the client secret; webhooks report the outcome. Every
call that moves money carries an idempotency key, so retries never charge or refund twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import stripe

from mobility.money import Money
from ticketing.errors import (
    IdempotencyKeyReused,
    PaymentDeclined,
    PaymentProviderUnavailable,
    RefundNotAllowed,
)
from ticketing.payments.errors import (
    PaymentConfigurationError,
    PaymentIntentNotFound,
    PaymentRequestInvalid,
)
from ticketing.payments.provider import Intent, IntentStatus, PaymentEvent, Refund
from ticketing.payments.stripe_format import (
    DEFAULT_TOLERANCE_S,
    intent_from_stripe,
    refund_from_stripe,
    scrub,
    verify_event,
)

log = logging.getLogger(__name__)

# Refunds in these states hold money back from a further refund.
_REFUND_COMMITTED = ("succeeded", "pending", "requires_action")
_REFUND_TOO_LARGE = ("amount_too_large", "charge_already_refunded", "charge_disputed")


@contextmanager
def _translated(intent_id: str | None = None) -> Iterator[None]:
    """Stripe's exceptions as domain errors; messages scrubbed of anything secret-shaped."""
    try:
        yield
    except stripe.CardError as exc:
        error = exc.error
        raise PaymentDeclined(
            scrub(exc.user_message or "Your card was declined."),
            intent_id=intent_id,
            decline_code=(error.decline_code or error.code) if error else exc.code,
        ) from None
    except stripe.IdempotencyError as exc:
        raise IdempotencyKeyReused(scrub(exc.user_message or "")) from None
    except stripe.InvalidRequestError as exc:
        code = exc.code or ""
        message = scrub(exc.user_message or "invalid request")
        if exc.http_status == 404 or code == "resource_missing":
            raise PaymentIntentNotFound(message, intent_id=intent_id) from None
        if code in _REFUND_TOO_LARGE:
            raise RefundNotAllowed(message, intent_id=intent_id) from None
        details = {"provider_code": code, "param": exc.param, "intent_id": intent_id}
        raise PaymentRequestInvalid(message, **{k: v for k, v in details.items() if v}) from None
    except (stripe.AuthenticationError, stripe.PermissionError):
        # Our configuration, not the caller's request: never echo the key Stripe saw.
        log.error("Stripe rejected the configured API key")
        raise PaymentProviderUnavailable("payment provider rejected our credentials") from None
    except stripe.RateLimitError:
        raise PaymentProviderUnavailable("payment provider rate limit; retry later") from None
    except stripe.APIConnectionError as exc:
        log.warning("Stripe unreachable: %s", scrub(str(exc.user_message or ""))[:200])
        raise PaymentProviderUnavailable("payment provider unreachable") from None
    except stripe.StripeError as exc:  # APIError and 5xx after the SDK's own retries
        log.warning("Stripe error %s", exc.http_status)
        raise PaymentProviderUnavailable(
            f"payment provider error (HTTP {exc.http_status})"
        ) from None


class StripeProvider:
    """PaymentIntents, refunds and verified webhooks through the official `stripe` SDK."""

    name = "stripe"

    def __init__(
        self,
        api_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        *,
        max_network_retries: int = 2,
        timeout_s: float = 20.0,
        webhook_tolerance_s: int = DEFAULT_TOLERANCE_S,
        payment_method_types: Sequence[str] = ("card",),
    ) -> None:
        if not api_key:
            raise PaymentConfigurationError("Stripe needs an API key (STRIPE_API_KEY)")
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=max_network_retries,
            # The SDK's default waits 80 s; a purchase should fail over long before that.
            http_client=stripe.new_default_http_client(timeout=timeout_s),
        )
        self._webhook_secret = webhook_secret
        self._tolerance_s = webhook_tolerance_s
        self._payment_method_types = list(payment_method_types)
        self.api_base = api_base or stripe.DEFAULT_API_BASE

    def __repr__(self) -> str:  # keys stay out of logs and tracebacks
        return f"StripeProvider(api_base={self.api_base!r})"

    def _intent(self, obj: Any) -> Intent:
        return intent_from_stripe(self.name, obj.to_dict())

    def create_intent(
        self,
        *,
        amount: Money,
        order_id: str,
        idempotency_key: str,
        description: str = "",
        metadata: Mapping[str, str] | None = None,
    ) -> Intent:
        """A new PaymentIntent for `amount`, or the one this idempotency key already made."""
        if amount.amount <= 0:
            raise PaymentRequestInvalid("a payment amount must be positive")
        params: dict[str, Any] = {
            "amount": amount.amount,
            "currency": amount.currency.lower(),
            "metadata": {**(metadata or {}), "order_id": order_id},
            "payment_method_types": self._payment_method_types,
        }
        if description:
            params["description"] = description
        with _translated():
            obj = self._client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        intent = self._intent(obj)
        log.info("Stripe intent %s for order %s: %s", intent.intent_id, order_id, intent.status)
        return intent

    def retrieve_intent(self, intent_id: str) -> Intent:
        # The charge's balance transaction carries Stripe's fee, for the ledger.
        params = {"expand": ["latest_charge.balance_transaction"]}
        with _translated(intent_id):
            return self._intent(
                self._client.v1.payment_intents.retrieve(intent_id, params=params)  # type: ignore[arg-type]
            )

    def confirm_intent(self, intent_id: str, *, payment_method: str | None = None) -> Intent:
        """Confirm server-side (sandbox and tests; in production the app confirms)."""
        with _translated(intent_id):
            try:
                if payment_method:
                    # Two calls rather than confirm(payment_method=...): the same on Stripe,
                    # and localstripe implements only this form.
                    self._client.v1.payment_intents.update(
                        intent_id, params={"payment_method": payment_method}
                    )
                obj = self._client.v1.payment_intents.confirm(intent_id)
            except stripe.InvalidRequestError:
                # A retried confirm of an intent already past confirmation is not an error.
                current = self.retrieve_intent(intent_id)
                if current.status in (IntentStatus.SUCCEEDED, IntentStatus.PROCESSING):
                    return current
                raise
        return self._intent(obj)

    def cancel_intent(self, intent_id: str) -> Intent:
        with _translated(intent_id):
            try:
                obj = self._client.v1.payment_intents.cancel(intent_id)
            except stripe.InvalidRequestError:
                current = self.retrieve_intent(intent_id)
                if current.status is IntentStatus.CANCELED:
                    return current
                raise
        return self._intent(obj)

    def refund(
        self,
        intent_id: str,
        *,
        amount: Money,
        idempotency_key: str,
        reason: str | None = None,
    ) -> Refund:
        """Refund part or all of a succeeded payment; the same key returns the same refund.

        The key is also kept in the refund's metadata and looked up first, so a retry is
        answered even after Stripe's 24-hour idempotency window, and the remaining amount is
        checked before asking (Stripe checks again, atomically).
        """
        if amount.amount <= 0:
            raise PaymentRequestInvalid("a refund amount must be positive")
        with _translated(intent_id):
            # A refunded payment stays `succeeded` at Stripe, so a retry still passes this.
            intent = self.retrieve_intent(intent_id)
            if intent.status is not IntentStatus.SUCCEEDED:
                raise RefundNotAllowed(
                    f"payment is {intent.status.value}; only a succeeded one can be refunded",
                    intent_id=intent_id,
                )
            refunded = 0
            listing = self._client.v1.refunds.list(
                params={"payment_intent": intent_id, "limit": 100}
            )
            for listed in listing.auto_paging_iter():
                data = listed.to_dict()
                if (data.get("metadata") or {}).get("idempotency_key") == idempotency_key:
                    earlier = refund_from_stripe(self.name, data, intent_id)
                    if earlier.amount != amount:
                        raise IdempotencyKeyReused(
                            "this refund key was used for a different amount"
                        )
                    return earlier
                if data.get("status") in _REFUND_COMMITTED:
                    refunded += int(data["amount"])
            if amount.currency != intent.amount.currency:
                raise PaymentRequestInvalid(
                    f"refund in {amount.currency} of a payment in {intent.amount.currency}"
                )
            remaining = intent.amount_received - refunded
            if amount.amount > remaining:
                raise RefundNotAllowed(
                    f"refund of {amount} exceeds the {Money(remaining, amount.currency)} "
                    "not yet refunded",
                    intent_id=intent_id,
                )
            metadata = {"idempotency_key": idempotency_key}
            if reason:
                metadata["reason"] = reason[:500]
            obj = self._client.v1.refunds.create(
                params={"payment_intent": intent_id, "amount": amount.amount, "metadata": metadata},
                options={"idempotency_key": idempotency_key},
            )
        refund = refund_from_stripe(self.name, obj.to_dict(), intent_id)
        log.info(
            "Stripe refund %s of %s on %s: %s", refund.refund_id, amount, intent_id, refund.status
        )
        return refund

    def parse_webhook(self, payload: bytes, signature_header: str | None) -> PaymentEvent:
        """The verified event of a delivery; InvalidWebhook if the signature does not hold.

        The intent in the event is as Stripe sent it, possibly stale or out of order: act on
        `retrieve_intent(event.intent_id)`, the current state, not on the payload.
        """
        return verify_event(
            self.name, payload, signature_header, self._webhook_secret, self._tolerance_s
        )

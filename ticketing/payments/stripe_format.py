"""Stripe's wire format, shared by both providers: objects to domain values, webhook signatures.

The sandbox speaks Stripe's format on purpose, so one verification and one parser serve both
and the embedded default exercises the same code path as production.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import stripe

from mobility.money import Money
from ticketing.errors import InvalidWebhook
from ticketing.payments.provider import EventKind, Intent, IntentStatus, PaymentEvent, Refund

DEFAULT_TOLERANCE_S = 300  # Stripe's default: a captured delivery cannot be replayed later

_STATUSES = {
    "requires_payment_method": IntentStatus.REQUIRES_PAYMENT_METHOD,
    "requires_confirmation": IntentStatus.REQUIRES_CONFIRMATION,
    "requires_action": IntentStatus.REQUIRES_ACTION,
    "processing": IntentStatus.PROCESSING,
    # We capture automatically; an authorised but uncaptured payment is not money yet.
    "requires_capture": IntentStatus.PROCESSING,
    "succeeded": IntentStatus.SUCCEEDED,
    "canceled": IntentStatus.CANCELED,
}

_EVENT_KINDS = {
    "payment_intent.succeeded": EventKind.PAYMENT_SUCCEEDED,
    "payment_intent.payment_failed": EventKind.PAYMENT_FAILED,
    "payment_intent.canceled": EventKind.PAYMENT_CANCELED,
    "charge.refunded": EventKind.REFUND_UPDATED,
    "charge.refund.updated": EventKind.REFUND_UPDATED,
}

# Anything that looks like a credential is cut out of provider messages before they reach
# logs or problem details: API keys, webhook secrets, client secrets of intents.
_SECRETS = re.compile(r"\b(?:sk|rk|pk|whsec)_[A-Za-z0-9_]+|\b\w+_secret_\w+")


def scrub(text: str) -> str:
    """`text` with anything shaped like a key or client secret replaced by '[redacted]'."""
    return _SECRETS.sub("[redacted]", text)


def intent_status(raw: str) -> IntentStatus:
    try:
        return _STATUSES[raw]
    except KeyError:
        # A status Stripe adds later: not final, so orders keep waiting rather than act.
        return IntentStatus.PROCESSING


def intent_from_stripe(provider: str, obj: Mapping[str, Any]) -> Intent:
    """The domain Intent of a Stripe-shaped payment_intent object (API response or event)."""
    status = intent_status(str(obj.get("status")))
    amount = Money(int(obj["amount"]), str(obj["currency"]).upper())
    received = obj.get("amount_received")
    if received is None:  # localstripe omits it; Stripe always sends it
        received = amount.amount if status is IntentStatus.SUCCEEDED else 0
    error = obj.get("last_payment_error") or {}
    failure = error.get("decline_code") or error.get("code") if error else None
    return Intent(
        fee=_fee(obj),
        provider=provider,
        intent_id=str(obj["id"]),
        status=status,
        amount=amount,
        amount_received=int(received),
        client_secret=obj.get("client_secret"),
        metadata={str(k): str(v) for k, v in (obj.get("metadata") or {}).items()},
        failure_reason=str(failure) if failure else None,
    )


def _fee(obj: Mapping[str, Any]) -> int | None:
    """Stripe's fee, from `latest_charge.balance_transaction` when the response expanded it."""
    charge = obj.get("latest_charge")
    balance = charge.get("balance_transaction") if isinstance(charge, Mapping) else None
    if isinstance(balance, Mapping) and balance.get("fee") is not None:
        return int(balance["fee"])
    return None


def refund_from_stripe(provider: str, obj: Mapping[str, Any], intent_id: str) -> Refund:
    return Refund(
        provider=provider,
        refund_id=str(obj["id"]),
        intent_id=str(obj.get("payment_intent") or intent_id),
        amount=Money(int(obj["amount"]), str(obj["currency"]).upper()),
        status=str(obj.get("status") or "pending"),
    )


def event_kind(raw_type: str) -> EventKind:
    if raw_type in _EVENT_KINDS:
        return _EVENT_KINDS[raw_type]
    if raw_type.startswith("refund."):
        return EventKind.REFUND_UPDATED
    return EventKind.OTHER


def _object_intent_id(obj: Mapping[str, Any]) -> str | None:
    if obj.get("object") == "payment_intent":
        return str(obj["id"])
    ref = obj.get("payment_intent")  # charges and refunds name theirs (an id, or expanded)
    if isinstance(ref, Mapping):
        ref = ref.get("id")
    return str(ref) if ref else None


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header of `payload`: t=<unix time>,v1=<HMAC-SHA256 hex>."""
    return stripe.WebhookSignature.generate_signature_header(
        payload.decode("utf-8"), secret, timestamp
    )


def verify_event(
    provider: str,
    payload: bytes,
    signature_header: str | None,
    secret: str,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> PaymentEvent:
    """The verified event of a delivery (Stripe's scheme); InvalidWebhook if anything is off."""
    if not secret:
        raise InvalidWebhook("no webhook secret is configured, so no delivery can be verified")
    try:
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance_s)
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(scrub(str(exc.user_message or exc))) from None
    except UnicodeDecodeError:
        raise InvalidWebhook("payload is not UTF-8") from None
    try:
        data = json.loads(payload)
        if data.get("object") != "event":
            raise ValueError("not an event")
        raw_type = str(data["type"])
        obj = data["data"]["object"]
        kind = event_kind(raw_type)
        is_intent = obj.get("object") == "payment_intent"
        return PaymentEvent(
            provider=provider,
            event_id=str(data["id"]),
            kind=kind,
            raw_type=raw_type,
            created=datetime.fromtimestamp(int(data["created"]), UTC),
            intent_id=_object_intent_id(obj),
            intent=intent_from_stripe(provider, obj) if is_intent else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # Signed by the secret holder but not an event we can read: a bug there, not an attack.
        raise InvalidWebhook(
            f"signed payload is not a Stripe event ({exc.__class__.__name__})"
        ) from None


def event_payload(
    event_id: str,
    raw_type: str,
    obj: Mapping[str, Any],
    created: int,
    api_version: str = "2025-01-27.acacia",
) -> bytes:
    """A webhook body in Stripe's event format (what the sandbox sends and tests sign)."""
    event = {
        "id": event_id,
        "object": "event",
        "api_version": api_version,
        "created": created,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": raw_type,
        "data": {"object": dict(obj)},
    }
    return json.dumps(event, indent=2, sort_keys=True).encode("utf-8")

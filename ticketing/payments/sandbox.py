"""The sandbox provider: Stripe's behaviour without a network, for the embedded default.

Intents live in Redis (fakeredis in the embedded default), so every API process and worker
sees the same ones. Test payment methods behave like Stripe's (`pm_card_visa` succeeds,
`pm_card_chargeDeclined` is declined, `pm_card_authenticationRequired` needs 3-D Secure),
idempotency keys are honoured for 24 hours as at Stripe, and webhook events are recorded in
Stripe's format and signed with Stripe's scheme, so `parse_webhook` is the production code.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

import redis

from mobility.money import Money, round_div
from mobility.redis_client import key as namespaced_key
from ticketing.errors import IdempotencyKeyReused, PaymentDeclined, RefundNotAllowed
from ticketing.payments.errors import PaymentIntentNotFound, PaymentRequestInvalid
from ticketing.payments.provider import EventKind, Intent, PaymentEvent, Refund
from ticketing.payments.stripe_format import (
    DEFAULT_TOLERANCE_S,
    event_payload,
    intent_from_stripe,
    sign_payload,
    verify_event,
)

log = logging.getLogger(__name__)

IDEMPOTENCY_TTL_S = 24 * 3600  # as at Stripe
INTENT_TTL_S = 400 * 24 * 3600  # beyond any refund window; the sandbox is not a ledger

# Stripe's test payment methods (https://docs.stripe.com/testing) and what each does.
SUCCEEDS = frozenset(
    {"pm_card_visa", "pm_card_visa_debit", "pm_card_mastercard", "pm_card_amex", "pm_card_it"}
)
DECLINES = {
    "pm_card_chargeDeclined": "generic_decline",
    "pm_card_visa_chargeDeclined": "generic_decline",
    "pm_card_chargeCustomerFail": "generic_decline",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
    "pm_card_chargeDeclinedExpiredCard": "expired_card",
    "pm_card_chargeDeclinedLostCard": "lost_card",
}
NEEDS_AUTHENTICATION = frozenset(
    {"pm_card_authenticationRequired", "pm_card_threeDSecure2Required"}
)

_EVENT_TYPES = {
    EventKind.PAYMENT_SUCCEEDED: "payment_intent.succeeded",
    EventKind.PAYMENT_FAILED: "payment_intent.payment_failed",
    EventKind.PAYMENT_CANCELED: "payment_intent.canceled",
    EventKind.REFUND_UPDATED: "charge.refunded",
    EventKind.OTHER: "payment_intent.created",
}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def sandbox_fee(amount: int) -> int:
    """What the sandbox charges for a card payment: Stripe's standard EEA card pricing,
    1.5% + 0.25 (so the embedded default's ledger shows fees as production's would)."""
    return round_div(amount * 150, 10_000) + 25


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


class SandboxProvider:
    """A PaymentProvider that never leaves the process (and Redis); Stripe's test behaviour."""

    name = "sandbox"

    def __init__(
        self,
        client: redis.Redis,
        webhook_secret: str,
        *,
        key_prefix: str | None = None,
        webhook_tolerance_s: int = DEFAULT_TOLERANCE_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = client
        self._webhook_secret = webhook_secret
        self._tolerance_s = webhook_tolerance_s
        self._clock = clock
        self._prefix = key_prefix

    def __repr__(self) -> str:
        return "SandboxProvider()"

    # -- storage ---------------------------------------------------------------------------

    def _key(self, *parts: str) -> str:
        parts = ("payments", "sandbox", *parts)
        return (
            self._prefix + ":".join(parts) if self._prefix is not None else namespaced_key(*parts)
        )

    def _load(self, intent_id: str, reader: Any = None) -> dict[str, Any]:
        raw = (reader or self._redis).get(self._key("pi", intent_id))
        if raw is None:
            raise PaymentIntentNotFound(f"no sandbox intent {intent_id}", intent_id=intent_id)
        record: dict[str, Any] = json.loads(raw)
        return record

    def _update(
        self, intent_id: str, change: Callable[[dict[str, Any]], list[tuple[str, dict]]]
    ) -> dict[str, Any]:
        """Apply `change` to the stored intent atomically (optimistic, WATCH/MULTI).

        `change` mutates the record and returns the events (type, object) it caused; they
        are recorded in the same transaction, so an event exists if and only if its change.
        """
        key = self._key("pi", intent_id)
        events_key = self._key("events", intent_id)

        result: dict[str, Any] = {}

        def attempt(pipe: Any) -> None:
            record = self._load(intent_id, pipe)
            events = change(record)
            pipe.multi()
            pipe.set(key, json.dumps(record), ex=INTENT_TTL_S)
            for raw_type, obj in events:
                pipe.rpush(events_key, self._event_bytes(raw_type, obj))
            if events:
                pipe.expire(events_key, INTENT_TTL_S)
            result.clear()
            result.update(record)

        self._redis.transaction(attempt, key)
        return result

    def _event_bytes(self, raw_type: str, obj: Mapping[str, Any]) -> bytes:
        return event_payload(_new_id("evt_"), raw_type, obj, int(self._clock()))

    def _stripe_object(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record as Stripe's payment_intent object (what events and parsing expect)."""
        failure = record.get("failure_code")
        return {
            "id": record["id"],
            "object": "payment_intent",
            "amount": record["amount"],
            "amount_received": record["amount_received"],
            "currency": record["currency"],
            "status": record["status"],
            "client_secret": record["client_secret"],
            "metadata": record["metadata"],
            "description": record["description"] or None,
            "payment_method": record["payment_method"],
            "created": record["created"],
            "livemode": False,
            "last_payment_error": {"code": "card_declined", "decline_code": failure}
            if failure
            else None,
            "latest_charge": {"balance_transaction": {"fee": sandbox_fee(record["amount"])}}
            if record["status"] == "succeeded"
            else None,
        }

    def _intent(self, record: Mapping[str, Any]) -> Intent:
        return intent_from_stripe(self.name, self._stripe_object(record))

    # -- the PaymentProvider interface ----------------------------------------------------------

    def create_intent(
        self,
        *,
        amount: Money,
        order_id: str,
        idempotency_key: str,
        description: str = "",
        metadata: Mapping[str, str] | None = None,
    ) -> Intent:
        """A new intent, or the one this idempotency key already made (same parameters)."""
        if amount.amount <= 0:
            raise PaymentRequestInvalid("a payment amount must be positive")
        meta = {**(metadata or {}), "order_id": order_id}
        fingerprint = hashlib.sha256(
            json.dumps([amount.amount, amount.currency, meta, description], sort_keys=True).encode()
        ).hexdigest()
        intent_id = _new_id("pi_")
        record = {
            "id": intent_id,
            "amount": amount.amount,
            "amount_received": 0,
            "currency": amount.currency.lower(),
            "status": "requires_payment_method",
            "client_secret": f"{intent_id}_secret_{secrets.token_urlsafe(18)}",
            "metadata": meta,
            "description": description,
            "payment_method": None,
            "failure_code": None,
            "created": int(self._clock()),
            "fingerprint": fingerprint,
            "refunds": [],
        }
        # The intent first, then the key: whoever sees the key can read its intent.
        self._redis.set(self._key("pi", intent_id), json.dumps(record), ex=INTENT_TTL_S)
        idem = self._key("idem", "create", idempotency_key)
        if not self._redis.set(idem, intent_id, nx=True, ex=IDEMPOTENCY_TTL_S):
            self._redis.delete(self._key("pi", intent_id))
            existing_id = self._redis.get(idem)
            if existing_id is None:  # expired in between: vanishingly rare, just retry
                return self.create_intent(
                    amount=amount,
                    order_id=order_id,
                    idempotency_key=idempotency_key,
                    description=description,
                    metadata=metadata,
                )
            record = self._load(_text(existing_id))
            if record["fingerprint"] != fingerprint:
                raise IdempotencyKeyReused(
                    "this idempotency key was used to create a different payment"
                )
        return self._intent(record)

    def retrieve_intent(self, intent_id: str) -> Intent:
        return self._intent(self._load(intent_id))

    def confirm_intent(self, intent_id: str, *, payment_method: str | None = None) -> Intent:
        """Confirm with a test payment method; PaymentDeclined for a declining one."""
        if payment_method is not None and payment_method not in (
            SUCCEEDS | NEEDS_AUTHENTICATION | DECLINES.keys()
        ):
            raise PaymentRequestInvalid(
                f"No such PaymentMethod: '{payment_method}' (the sandbox knows Stripe's test "
                "methods, e.g. pm_card_visa)",
                param="payment_method",
            )

        def confirm(record: dict[str, Any]) -> list[tuple[str, dict]]:
            if record["status"] in ("succeeded", "processing"):
                return []  # a retried confirm: already done
            if record["status"] not in (
                "requires_payment_method",
                "requires_confirmation",
                "requires_action",
            ):
                raise PaymentRequestInvalid(
                    f"cannot confirm a {record['status']} intent", intent_id=intent_id
                )
            method = payment_method or record["payment_method"]
            if method is None:
                raise PaymentRequestInvalid(
                    "a payment method is required to confirm", param="payment_method"
                )
            record["payment_method"] = method
            record["failure_code"] = None
            if method in NEEDS_AUTHENTICATION:
                record["status"] = "requires_action"
                return [("payment_intent.requires_action", self._stripe_object(record))]
            if method in DECLINES:
                # As at Stripe: the attempt fails, the intent waits for another method.
                record.update(
                    status="requires_payment_method",
                    payment_method=None,
                    failure_code=DECLINES[method],
                )
                return [("payment_intent.payment_failed", self._stripe_object(record))]
            return self._succeed(record)

        record = self._update(intent_id, confirm)
        if record["failure_code"] and record["status"] == "requires_payment_method":
            raise PaymentDeclined(
                "Your card was declined.",
                intent_id=intent_id,
                decline_code=record["failure_code"],
            )
        return self._intent(record)

    def _succeed(self, record: dict[str, Any]) -> list[tuple[str, dict]]:
        record["status"] = "succeeded"
        record["amount_received"] = record["amount"]
        return [("payment_intent.succeeded", self._stripe_object(record))]

    def authenticate(self, intent_id: str, *, success: bool = True) -> Intent:
        """Complete (or fail) the 3-D Secure step of an intent in requires_action."""

        def authenticate(record: dict[str, Any]) -> list[tuple[str, dict]]:
            if record["status"] != "requires_action":
                raise PaymentRequestInvalid(
                    f"a {record['status']} intent has nothing to authenticate",
                    intent_id=intent_id,
                )
            if success:
                return self._succeed(record)
            record.update(
                status="requires_payment_method",
                payment_method=None,
                failure_code="authentication_required",
            )
            return [("payment_intent.payment_failed", self._stripe_object(record))]

        return self._intent(self._update(intent_id, authenticate))

    def cancel_intent(self, intent_id: str) -> Intent:
        def cancel(record: dict[str, Any]) -> list[tuple[str, dict]]:
            if record["status"] == "canceled":
                return []
            if record["status"] in ("succeeded", "processing"):
                raise PaymentRequestInvalid(
                    f"a {record['status']} payment cannot be canceled; refund it",
                    intent_id=intent_id,
                )
            record["status"] = "canceled"
            return [("payment_intent.canceled", self._stripe_object(record))]

        return self._intent(self._update(intent_id, cancel))

    def refund(
        self,
        intent_id: str,
        *,
        amount: Money,
        idempotency_key: str,
        reason: str | None = None,
    ) -> Refund:
        """Refund part or all of a succeeded payment, never beyond what was captured."""
        if amount.amount <= 0:
            raise PaymentRequestInvalid("a refund amount must be positive")
        made: dict[str, Any] = {}

        def refund(record: dict[str, Any]) -> list[tuple[str, dict]]:
            made.clear()
            for earlier in record["refunds"]:
                if earlier["idempotency_key"] == idempotency_key:
                    if earlier["amount"] != amount.amount:
                        raise IdempotencyKeyReused(
                            "this refund key was used for a different amount"
                        )
                    made.update(earlier)
                    return []
            if record["status"] != "succeeded":
                raise RefundNotAllowed(
                    f"payment is {record['status']}; only a succeeded one can be refunded",
                    intent_id=intent_id,
                )
            if amount.currency.lower() != record["currency"]:
                raise PaymentRequestInvalid(
                    f"refund in {amount.currency} of a payment in {record['currency'].upper()}"
                )
            remaining = record["amount_received"] - sum(r["amount"] for r in record["refunds"])
            if amount.amount > remaining:
                raise RefundNotAllowed(
                    f"refund of {amount} exceeds the {Money(remaining, amount.currency)} "
                    "not yet refunded",
                    intent_id=intent_id,
                )
            made.update(
                id=_new_id("re_"),
                object="refund",
                amount=amount.amount,
                currency=record["currency"],
                payment_intent=intent_id,
                status="succeeded",
                idempotency_key=idempotency_key,
                metadata={"reason": reason or ""},
                created=int(self._clock()),
            )
            record["refunds"].append(dict(made))
            refunded = sum(r["amount"] for r in record["refunds"])
            charge = {
                "id": "ch_" + intent_id.removeprefix("pi_"),
                "object": "charge",
                "payment_intent": intent_id,
                "amount": record["amount_received"],
                "amount_refunded": refunded,
                "currency": record["currency"],
                "refunded": refunded >= record["amount_received"],
            }
            return [("refund.created", dict(made)), ("charge.refunded", charge)]

        self._update(intent_id, refund)
        return Refund(
            provider=self.name,
            refund_id=made["id"],
            intent_id=intent_id,
            amount=Money(made["amount"], made["currency"].upper()),
            status=made["status"],
        )

    def parse_webhook(self, payload: bytes, signature_header: str | None) -> PaymentEvent:
        """The verified event of a delivery; InvalidWebhook if the signature does not hold."""
        return verify_event(
            self.name, payload, signature_header, self._webhook_secret, self._tolerance_s
        )

    # -- webhook deliveries -------------------------------------------------------------------

    def sign(self, payload: bytes, timestamp: int | None = None) -> str:
        """The Stripe-Signature header of `payload` under the sandbox's webhook secret."""
        return sign_payload(
            payload, self._webhook_secret, int(self._clock()) if timestamp is None else timestamp
        )

    def deliveries(self, intent_id: str) -> list[tuple[bytes, str]]:
        """Every event this intent has caused, oldest first, each signed now for delivery."""
        raw = self._redis.lrange(self._key("events", intent_id), 0, -1)
        payloads = [p.encode() if isinstance(p, str) else bytes(p) for p in raw]
        return [(payload, self.sign(payload)) for payload in payloads]

    def event_for(self, intent: Intent, kind: EventKind) -> tuple[bytes, str]:
        """A new signed event of `kind` about `intent` as given (tests and replays)."""
        if kind is EventKind.REFUND_UPDATED:
            obj: dict[str, Any] = {
                "id": "ch_" + intent.intent_id.removeprefix("pi_"),
                "object": "charge",
                "payment_intent": intent.intent_id,
                "amount": intent.amount_received,
                "currency": intent.amount.currency.lower(),
            }
        else:
            obj = {
                "id": intent.intent_id,
                "object": "payment_intent",
                "amount": intent.amount.amount,
                "amount_received": intent.amount_received,
                "currency": intent.amount.currency.lower(),
                "status": intent.status.value,
                "metadata": dict(intent.metadata),
                "livemode": False,
                "last_payment_error": {
                    "code": "card_declined",
                    "decline_code": intent.failure_reason,
                }
                if intent.failure_reason
                else None,
            }
        payload = self._event_bytes(_EVENT_TYPES[kind], obj)
        return payload, self.sign(payload)

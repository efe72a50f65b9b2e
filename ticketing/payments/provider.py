"""The one small interface every payment provider implements, in the domain's language.

Orders speak only of intents, refunds and verified events; whether Stripe or the sandbox is
behind them is a setting. Implementations: `stripe_provider.StripeProvider` (the official SDK)
and `sandbox.SandboxProvider` (no network, for the embedded default).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from mobility.money import Money


class IntentStatus(StrEnum):
    """Where a payment stands; only SUCCEEDED may issue passes."""

    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    REQUIRES_CONFIRMATION = "requires_confirmation"
    REQUIRES_ACTION = "requires_action"  # e.g. 3-D Secure in the app
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in (IntentStatus.SUCCEEDED, IntentStatus.CANCELED, IntentStatus.FAILED)


class EventKind(StrEnum):
    """The provider events orders act on; anything else is acknowledged and ignored."""

    PAYMENT_SUCCEEDED = "payment_succeeded"
    PAYMENT_FAILED = "payment_failed"
    PAYMENT_CANCELED = "payment_canceled"
    REFUND_UPDATED = "refund_updated"
    OTHER = "other"


@dataclass(frozen=True)
class Intent:
    """A provider's payment intent as orders see it."""

    provider: str
    intent_id: str
    status: IntentStatus
    amount: Money
    amount_received: int = 0  # minor units actually captured
    client_secret: str | None = field(default=None, repr=False)  # for the app, never logged
    metadata: Mapping[str, str] = field(default_factory=dict)
    failure_reason: str | None = None
    fee: int | None = None  # the provider's processing fee (minor units), once it is known


@dataclass(frozen=True)
class Refund:
    provider: str
    refund_id: str
    intent_id: str
    amount: Money
    status: str  # "succeeded", "pending", "failed", "canceled"


@dataclass(frozen=True)
class PaymentEvent:
    """A webhook event whose signature has been verified."""

    provider: str
    event_id: str  # unique per provider: the key that makes delivery idempotent
    kind: EventKind
    raw_type: str  # e.g. "payment_intent.succeeded"
    created: datetime  # timezone-aware
    intent_id: str | None = None
    intent: Intent | None = None  # the intent as the event carried it (may be stale)


class PaymentProvider(Protocol):
    """Create, read, confirm and refund payments; verify webhook deliveries.

    Every method that moves money takes an idempotency key, forwarded to the provider, so a
    retried call never charges or refunds twice.
    """

    name: str

    def create_intent(
        self,
        *,
        amount: Money,
        order_id: str,
        idempotency_key: str,
        description: str = "",
        metadata: Mapping[str, str] | None = None,
    ) -> Intent: ...

    def retrieve_intent(self, intent_id: str) -> Intent: ...

    def confirm_intent(self, intent_id: str, *, payment_method: str | None = None) -> Intent:
        """Confirm server-side (sandbox and tests; in production the app confirms)."""
        ...

    def cancel_intent(self, intent_id: str) -> Intent: ...

    def refund(
        self,
        intent_id: str,
        *,
        amount: Money,
        idempotency_key: str,
        reason: str | None = None,
    ) -> Refund: ...

    def parse_webhook(self, payload: bytes, signature_header: str | None) -> PaymentEvent:
        """The verified event of a delivery; InvalidWebhook if the signature does not hold."""
        ...

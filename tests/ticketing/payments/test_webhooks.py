"""Webhook verification and parsing: signatures, event kinds, and real localstripe deliveries."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from mobility.money import Money
from tests.ticketing.stripe_harness import (
    HARNESS_WEBHOOK_SECRET,
    SANDBOX_WEBHOOK_SECRET,
    Delivery,
    WebhookReceiver,
    captured_events,
    deliver,
    make_event,
)
from ticketing.errors import InvalidWebhook, PaymentDeclined
from ticketing.payments.provider import EventKind, IntentStatus, PaymentEvent
from ticketing.payments.sandbox import SandboxProvider
from ticketing.payments.stripe_format import sign_payload, verify_event
from ticketing.payments.stripe_provider import StripeProvider

INTENT = {
    "id": "pi_123",
    "object": "payment_intent",
    "amount": 250,
    "amount_received": 250,
    "currency": "eur",
    "status": "succeeded",
    "metadata": {"order_id": "o-9"},
}


def parse(
    delivery: Delivery, secret: str = SANDBOX_WEBHOOK_SECRET, tolerance: int = 300
) -> PaymentEvent:
    return verify_event("sandbox", delivery.payload, delivery.signature, secret, tolerance)


def test_valid_signature_gives_the_event() -> None:
    """A correctly signed delivery parses to its id, kind, time and intent."""
    delivery = make_event(
        "payment_intent.succeeded", INTENT, event_id="evt_1", created=1_700_000_000
    )
    event = parse(delivery)
    assert (event.event_id, event.kind, event.raw_type) == (
        "evt_1",
        EventKind.PAYMENT_SUCCEEDED,
        "payment_intent.succeeded",
    )
    assert event.created.timestamp() == 1_700_000_000
    assert event.created.tzinfo is not None
    assert event.intent_id == "pi_123"
    assert event.intent is not None
    assert event.intent.status is IntentStatus.SUCCEEDED
    assert event.intent.amount == Money(250)
    assert event.intent.metadata["order_id"] == "o-9"


def test_wrong_secret_is_rejected() -> None:
    """A delivery signed with another secret is InvalidWebhook."""
    delivery = make_event("payment_intent.succeeded", INTENT, secret="whsec_other")
    with pytest.raises(InvalidWebhook):
        parse(delivery)


def test_tampered_payload_is_rejected() -> None:
    """Changing one byte of a signed body (the amount) breaks the signature."""
    delivery = make_event("payment_intent.succeeded", INTENT)
    tampered = delivery.payload.replace(b'"amount": 250', b'"amount": 1')
    assert tampered != delivery.payload
    with pytest.raises(InvalidWebhook):
        parse(Delivery(tampered, delivery.signature))


def test_expired_timestamp_is_rejected() -> None:
    """A delivery signed longer ago than the tolerance is refused (no late replays)."""
    delivery = make_event("payment_intent.succeeded", INTENT, signed_at=int(time.time()) - 301)
    with pytest.raises(InvalidWebhook, match="tolerance"):
        parse(delivery)
    assert parse(delivery, tolerance=600).event_id == delivery.event_id


@pytest.mark.parametrize("header", [None, "", "garbage", "t=1", "v1=abc"])
def test_missing_or_malformed_header_is_rejected(header: str | None) -> None:
    """No header, or one without timestamp and v1 signature, is InvalidWebhook."""
    delivery = make_event("payment_intent.succeeded", INTENT)
    with pytest.raises(InvalidWebhook):
        verify_event("sandbox", delivery.payload, header, SANDBOX_WEBHOOK_SECRET)


def test_no_configured_secret_rejects_everything() -> None:
    """Without a webhook secret nothing verifies, even a payload signed with the empty key."""
    payload = make_event("payment_intent.succeeded", INTENT).payload
    with pytest.raises(InvalidWebhook):
        verify_event("stripe", payload, sign_payload(payload, ""), "")


def test_signed_non_event_is_rejected() -> None:
    """A validly signed body that is not a Stripe event is InvalidWebhook, not a crash."""
    payload = json.dumps({"object": "charge", "id": "ch_1"}).encode()
    with pytest.raises(InvalidWebhook):
        verify_event(
            "sandbox",
            payload,
            sign_payload(payload, SANDBOX_WEBHOOK_SECRET),
            SANDBOX_WEBHOOK_SECRET,
        )


@pytest.mark.parametrize(
    ("raw_type", "obj", "kind", "intent_id"),
    [
        ("payment_intent.payment_failed", INTENT, EventKind.PAYMENT_FAILED, "pi_123"),
        ("payment_intent.canceled", INTENT, EventKind.PAYMENT_CANCELED, "pi_123"),
        (
            "charge.refunded",
            {"id": "ch_1", "object": "charge", "payment_intent": "pi_7"},
            EventKind.REFUND_UPDATED,
            "pi_7",
        ),
        (
            "refund.updated",
            {"id": "re_1", "object": "refund", "payment_intent": "pi_8"},
            EventKind.REFUND_UPDATED,
            "pi_8",
        ),
        ("payment_intent.created", INTENT, EventKind.OTHER, "pi_123"),
        ("customer.created", {"id": "cus_1", "object": "customer"}, EventKind.OTHER, None),
    ],
)
def test_event_kinds(raw_type: str, obj: dict, kind: EventKind, intent_id: str | None) -> None:
    """Stripe event types map to the kinds orders act on, with the intent they concern."""
    event = parse(make_event(raw_type, obj))
    assert (event.kind, event.intent_id) == (kind, intent_id)


# -- real deliveries from localstripe --------------------------------------------------------


def test_localstripe_success_delivery_parses(
    stripe_provider: StripeProvider, webhook_receiver: WebhookReceiver
) -> None:
    """The payment_intent.succeeded localstripe signs and posts verifies and names our order."""
    intent = stripe_provider.create_intent(
        amount=Money(320), order_id="order-42", idempotency_key=uuid.uuid4().hex
    )
    stripe_provider.confirm_intent(intent.intent_id, payment_method="pm_card_visa")
    [delivery] = captured_events(
        webhook_receiver, intent_id=intent.intent_id, types=["payment_intent.succeeded"]
    )
    event = stripe_provider.parse_webhook(delivery.payload, delivery.signature)
    assert event.kind is EventKind.PAYMENT_SUCCEEDED
    assert event.intent_id == intent.intent_id
    assert event.intent is not None
    assert event.intent.status is IntentStatus.SUCCEEDED
    assert event.intent.amount == Money(320)
    assert event.intent.metadata["order_id"] == "order-42"
    other = StripeProvider("sk_test_x", "whsec_not_the_one", stripe_provider.api_base)
    with pytest.raises(InvalidWebhook):
        other.parse_webhook(delivery.payload, delivery.signature)


def test_localstripe_failure_delivery_parses(
    stripe_provider: StripeProvider, webhook_receiver: WebhookReceiver
) -> None:
    """A decline reaches us as a verified PAYMENT_FAILED event with the failure reason."""
    intent = stripe_provider.create_intent(
        amount=Money(320), order_id="order-43", idempotency_key=uuid.uuid4().hex
    )
    with pytest.raises(PaymentDeclined):
        stripe_provider.confirm_intent(
            intent.intent_id, payment_method="pm_card_chargeCustomerFail"
        )
    [delivery] = captured_events(
        webhook_receiver, intent_id=intent.intent_id, types=["payment_intent.payment_failed"]
    )
    event = stripe_provider.parse_webhook(delivery.payload, delivery.signature)
    assert event.kind is EventKind.PAYMENT_FAILED
    assert event.intent is not None
    assert event.intent.failure_reason == "card_declined"


def test_duplicated_shuffled_deliveries_count_once_by_event_id(
    stripe_provider: StripeProvider, webhook_receiver: WebhookReceiver
) -> None:
    """Replayed twice in shuffled order, deliveries dedupe by event id to one effect each."""
    ids = []
    for n in range(3):
        intent = stripe_provider.create_intent(
            amount=Money(100 + n), order_id=f"o-{n}", idempotency_key=uuid.uuid4().hex
        )
        stripe_provider.confirm_intent(intent.intent_id, payment_method="pm_card_visa")
        ids.append(intent.intent_id)
    deliveries = [
        d
        for i in ids
        for d in captured_events(webhook_receiver, intent_id=i, types=["payment_intent.succeeded"])
    ]
    seen: dict[str, int] = {}
    paid: dict[str, int] = {}

    def endpoint(payload: bytes, signature: str) -> int:
        event = stripe_provider.parse_webhook(payload, signature)
        seen[event.event_id] = seen.get(event.event_id, 0) + 1
        if seen[event.event_id] == 1 and event.intent_id:
            # Act on the provider's current state, never on the (maybe stale) payload.
            current = stripe_provider.retrieve_intent(event.intent_id)
            paid[event.intent_id] = paid.get(event.intent_id, 0) + current.amount_received
        return 200

    order = [d.event_id for d in deliveries]
    results = deliver(deliveries, endpoint, duplicate=True, shuffle=7)
    assert results == [200] * 6
    assert sorted(seen.values()) == [2, 2, 2]
    assert paid == {i: 100 + n for n, i in enumerate(ids)}
    replayed_order: list[str] = []
    deliver(deliveries, lambda p, _s: replayed_order.append(json.loads(p)["id"]), shuffle=7)
    assert replayed_order != order + order  # shuffled, not two passes in order


def test_sandbox_records_signed_events_of_its_changes(sandbox_provider: SandboxProvider) -> None:
    """Each sandbox transition leaves one event, delivered in Stripe's format and signature."""
    intent = sandbox_provider.create_intent(
        amount=Money(250), order_id="o-5", idempotency_key=uuid.uuid4().hex
    )
    with pytest.raises(PaymentDeclined):
        sandbox_provider.confirm_intent(intent.intent_id, payment_method="pm_card_chargeDeclined")
    sandbox_provider.confirm_intent(intent.intent_id, payment_method="pm_card_visa")
    sandbox_provider.refund(intent.intent_id, amount=Money(50), idempotency_key="r1")
    events = [
        sandbox_provider.parse_webhook(p, s)
        for p, s in sandbox_provider.deliveries(intent.intent_id)
    ]
    assert [e.kind for e in events] == [
        EventKind.PAYMENT_FAILED,
        EventKind.PAYMENT_SUCCEEDED,
        EventKind.REFUND_UPDATED,
        EventKind.REFUND_UPDATED,
    ]
    assert {e.intent_id for e in events} == {intent.intent_id}
    assert len({e.event_id for e in events}) == 4
    assert events[1].intent is not None
    assert events[1].intent.metadata["order_id"] == "o-5"
    # Signed with the sandbox's secret: Stripe's harness secret does not verify them.
    payload, signature = sandbox_provider.deliveries(intent.intent_id)[0]
    with pytest.raises(InvalidWebhook):
        verify_event("stripe", payload, signature, HARNESS_WEBHOOK_SECRET)


def test_sandbox_event_for_round_trips(sandbox_provider: SandboxProvider) -> None:
    """event_for(intent, kind) yields a delivery parse_webhook accepts, of that kind."""
    intent = sandbox_provider.create_intent(
        amount=Money(250), order_id="o-6", idempotency_key=uuid.uuid4().hex
    )
    done = sandbox_provider.confirm_intent(intent.intent_id, payment_method="pm_card_visa")
    for kind in EventKind:
        payload, signature = sandbox_provider.event_for(done, kind)
        event = sandbox_provider.parse_webhook(payload, signature)
        assert (event.kind, event.intent_id) == (kind, done.intent_id)
    payload, signature = sandbox_provider.event_for(done, EventKind.PAYMENT_SUCCEEDED)
    with pytest.raises(InvalidWebhook):
        sandbox_provider.parse_webhook(payload.replace(b"250", b"999"), signature)

"""The PaymentProvider contract, held by both providers: Stripe (SDK against localstripe) and
the sandbox (real Redis). The same behaviour in both is what lets the embedded default stand
in for production."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from mobility.money import Money
from ticketing.errors import IdempotencyKeyReused, PaymentDeclined, RefundNotAllowed
from ticketing.payments.errors import PaymentIntentNotFound, PaymentRequestInvalid
from ticketing.payments.provider import IntentStatus, PaymentProvider

VISA = "pm_card_visa"
DECLINING = "pm_card_chargeCustomerFail"  # declines at charge time in localstripe and sandbox


@pytest.fixture(params=["stripe", "sandbox"])
def provider(request: pytest.FixtureRequest) -> PaymentProvider:
    """Each contract test runs against both providers."""
    fixture = "stripe_provider" if request.param == "stripe" else "sandbox_provider"
    result: PaymentProvider = request.getfixturevalue(fixture)
    return result


def key() -> str:
    return uuid.uuid4().hex


def paid(provider: PaymentProvider, cents: int = 250) -> str:
    intent = provider.create_intent(amount=Money(cents), order_id="o-1", idempotency_key=key())
    assert provider.confirm_intent(intent.intent_id, payment_method=VISA).status is (
        IntentStatus.SUCCEEDED
    )
    return intent.intent_id


def test_create_carries_amount_and_order(provider: PaymentProvider) -> None:
    """A new intent holds the amount in EUR cents, the order id and a client secret."""
    intent = provider.create_intent(
        amount=Money(250),
        order_id="order-7",
        idempotency_key=key(),
        description="Biglietto urbano",
        metadata={"account": "a-1"},
    )
    assert intent.provider == provider.name
    assert intent.status is IntentStatus.REQUIRES_PAYMENT_METHOD
    assert intent.amount == Money(250, "EUR")
    assert intent.amount_received == 0
    assert intent.metadata == {"order_id": "order-7", "account": "a-1"}
    assert intent.client_secret
    assert intent.client_secret not in repr(intent)
    assert provider.retrieve_intent(intent.intent_id) == intent


def test_same_idempotency_key_gives_same_intent(provider: PaymentProvider) -> None:
    """Creating twice with one key returns the first intent, not a second payment."""
    k = key()
    first = provider.create_intent(amount=Money(250), order_id="o", idempotency_key=k)
    again = provider.create_intent(amount=Money(250), order_id="o", idempotency_key=k)
    other = provider.create_intent(amount=Money(250), order_id="o", idempotency_key=key())
    assert again.intent_id == first.intent_id
    assert other.intent_id != first.intent_id


def test_key_reused_for_other_amount_is_refused(provider: PaymentProvider) -> None:
    """One key with different parameters is an error, never a silently different payment."""
    k = key()
    provider.create_intent(amount=Money(250), order_id="o", idempotency_key=k)
    with pytest.raises(IdempotencyKeyReused):
        provider.create_intent(amount=Money(990), order_id="o", idempotency_key=k)


def test_concurrent_creates_with_one_key_make_one_intent(provider: PaymentProvider) -> None:
    """Racing retries of one create (same key) all get the same single intent."""
    k = key()
    with ThreadPoolExecutor(4) as pool:
        ids = set(
            pool.map(
                lambda _: (
                    provider.create_intent(
                        amount=Money(300), order_id="o", idempotency_key=k
                    ).intent_id
                ),
                range(4),
            )
        )
    assert len(ids) == 1


def test_confirm_with_visa_succeeds(provider: PaymentProvider) -> None:
    """Confirming with the succeeding test card captures the whole amount."""
    intent = provider.create_intent(amount=Money(480), order_id="o", idempotency_key=key())
    done = provider.confirm_intent(intent.intent_id, payment_method=VISA)
    assert done.status is IntentStatus.SUCCEEDED
    assert done.amount_received == 480
    assert provider.retrieve_intent(intent.intent_id).status is IntentStatus.SUCCEEDED


def test_confirm_twice_is_harmless(provider: PaymentProvider) -> None:
    """A retried confirm of a succeeded intent returns it instead of failing or re-charging."""
    intent_id = paid(provider)
    again = provider.confirm_intent(intent_id)
    assert again.status is IntentStatus.SUCCEEDED
    assert again.amount_received == 250


def test_declined_card_raises_and_leaves_intent_retryable(provider: PaymentProvider) -> None:
    """A decline is PaymentDeclined; the intent waits for another card, as at Stripe."""
    intent = provider.create_intent(amount=Money(250), order_id="o", idempotency_key=key())
    with pytest.raises(PaymentDeclined) as declined:
        provider.confirm_intent(intent.intent_id, payment_method=DECLINING)
    assert declined.value.extensions["intent_id"] == intent.intent_id
    after = provider.retrieve_intent(intent.intent_id)
    assert after.status is IntentStatus.REQUIRES_PAYMENT_METHOD
    assert after.failure_reason
    assert after.amount_received == 0
    if provider.name == "sandbox":  # localstripe cannot re-confirm after a decline (a gap)
        retried = provider.confirm_intent(intent.intent_id, payment_method=VISA)
        assert retried.status is IntentStatus.SUCCEEDED


def test_confirm_without_payment_method_is_bad_request(provider: PaymentProvider) -> None:
    """Confirming an intent that has no payment method is refused as a bad request."""
    intent = provider.create_intent(amount=Money(250), order_id="o", idempotency_key=key())
    with pytest.raises(PaymentRequestInvalid):
        provider.confirm_intent(intent.intent_id)


def test_partial_then_full_refund_never_beyond_captured(provider: PaymentProvider) -> None:
    """Refunds add up to at most the captured amount; the last cent over is refused."""
    intent_id = paid(provider, 250)
    first = provider.refund(intent_id, amount=Money(100), idempotency_key=key())
    assert (first.intent_id, first.amount, first.status) == (intent_id, Money(100), "succeeded")
    with pytest.raises(RefundNotAllowed):
        provider.refund(intent_id, amount=Money(151), idempotency_key=key())
    rest = provider.refund(intent_id, amount=Money(150), idempotency_key=key())
    assert rest.amount == Money(150)
    with pytest.raises(RefundNotAllowed):
        provider.refund(intent_id, amount=Money(1), idempotency_key=key())


def test_refund_with_same_key_is_one_refund(provider: PaymentProvider) -> None:
    """A retried refund (same key) returns the first refund and moves no more money."""
    intent_id = paid(provider, 250)
    k = key()
    first = provider.refund(intent_id, amount=Money(200), idempotency_key=k)
    again = provider.refund(intent_id, amount=Money(200), idempotency_key=k)
    assert again.refund_id == first.refund_id
    # Had the retry refunded again, 400 cents would be out: only 50 may follow.
    provider.refund(intent_id, amount=Money(50), idempotency_key=key())
    with pytest.raises(IdempotencyKeyReused):
        provider.refund(intent_id, amount=Money(10), idempotency_key=k)


def test_refund_of_unpaid_intent_is_refused(provider: PaymentProvider) -> None:
    """Nothing captured, nothing to refund."""
    intent = provider.create_intent(amount=Money(250), order_id="o", idempotency_key=key())
    with pytest.raises(RefundNotAllowed):
        provider.refund(intent.intent_id, amount=Money(100), idempotency_key=key())


def test_cancel_before_payment(provider: PaymentProvider) -> None:
    """An unpaid intent can be canceled, and canceling again is harmless."""
    intent = provider.create_intent(amount=Money(250), order_id="o", idempotency_key=key())
    assert provider.cancel_intent(intent.intent_id).status is IntentStatus.CANCELED
    assert provider.cancel_intent(intent.intent_id).status is IntentStatus.CANCELED
    assert provider.retrieve_intent(intent.intent_id).status is IntentStatus.CANCELED


def test_unknown_intent_is_not_found(provider: PaymentProvider) -> None:
    """Retrieving an intent the provider never made is PaymentIntentNotFound."""
    with pytest.raises(PaymentIntentNotFound):
        provider.retrieve_intent("pi_doesnotexist0000")


def test_non_positive_amount_is_refused(provider: PaymentProvider) -> None:
    """Zero and negative payments are rejected before reaching the provider."""
    with pytest.raises(PaymentRequestInvalid):
        provider.create_intent(amount=Money(0), order_id="o", idempotency_key=key())

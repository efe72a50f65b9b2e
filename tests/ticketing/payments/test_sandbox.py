"""SandboxProvider specifics on real Redis: Stripe's test cards, 3-D Secure, atomic refunds."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import fakeredis
import pytest
import redis as redis_lib

from mobility.money import Money
from ticketing.errors import PaymentDeclined, RefundNotAllowed
from ticketing.payments.errors import PaymentRequestInvalid
from ticketing.payments.provider import IntentStatus
from ticketing.payments.sandbox import SandboxProvider


def key() -> str:
    return uuid.uuid4().hex


def new_intent(provider: SandboxProvider, cents: int = 250) -> str:
    return provider.create_intent(
        amount=Money(cents), order_id="o", idempotency_key=key()
    ).intent_id


@pytest.mark.parametrize(
    ("method", "reason"),
    [
        ("pm_card_chargeDeclined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card"),
    ],
)
def test_declining_cards_give_stripes_decline_codes(
    sandbox_provider: SandboxProvider, method: str, reason: str
) -> None:
    """Each declining test card fails with Stripe's decline code for it."""
    intent_id = new_intent(sandbox_provider)
    with pytest.raises(PaymentDeclined) as declined:
        sandbox_provider.confirm_intent(intent_id, payment_method=method)
    assert declined.value.extensions["decline_code"] == reason
    assert sandbox_provider.retrieve_intent(intent_id).failure_reason == reason


def test_authentication_required_then_authenticated(sandbox_provider: SandboxProvider) -> None:
    """pm_card_authenticationRequired waits in requires_action until 3-D Secure completes."""
    intent_id = new_intent(sandbox_provider)
    pending = sandbox_provider.confirm_intent(
        intent_id, payment_method="pm_card_authenticationRequired"
    )
    assert pending.status is IntentStatus.REQUIRES_ACTION
    with pytest.raises(RefundNotAllowed):
        sandbox_provider.refund(intent_id, amount=Money(1), idempotency_key=key())
    done = sandbox_provider.authenticate(intent_id, success=True)
    assert done.status is IntentStatus.SUCCEEDED
    assert done.amount_received == 250


def test_failed_authentication_needs_a_new_method(sandbox_provider: SandboxProvider) -> None:
    """A failed 3-D Secure step leaves the intent unpaid, waiting for another card."""
    intent_id = new_intent(sandbox_provider)
    sandbox_provider.confirm_intent(intent_id, payment_method="pm_card_authenticationRequired")
    failed = sandbox_provider.authenticate(intent_id, success=False)
    assert failed.status is IntentStatus.REQUIRES_PAYMENT_METHOD
    assert failed.failure_reason == "authentication_required"
    with pytest.raises(PaymentRequestInvalid):
        sandbox_provider.authenticate(intent_id)


def test_unknown_payment_method_is_bad_request(sandbox_provider: SandboxProvider) -> None:
    """Only Stripe's test payment methods exist in the sandbox."""
    intent_id = new_intent(sandbox_provider)
    with pytest.raises(PaymentRequestInvalid, match="No such PaymentMethod"):
        sandbox_provider.confirm_intent(intent_id, payment_method="pm_real_card_1234")
    assert sandbox_provider.retrieve_intent(intent_id).status is (
        IntentStatus.REQUIRES_PAYMENT_METHOD
    )


def test_paid_intent_cannot_be_canceled(sandbox_provider: SandboxProvider) -> None:
    """A succeeded payment is refunded, not canceled."""
    intent_id = new_intent(sandbox_provider)
    sandbox_provider.confirm_intent(intent_id, payment_method="pm_card_visa")
    with pytest.raises(PaymentRequestInvalid):
        sandbox_provider.cancel_intent(intent_id)
    assert sandbox_provider.retrieve_intent(intent_id).status is IntentStatus.SUCCEEDED


def test_canceled_intent_cannot_be_confirmed(sandbox_provider: SandboxProvider) -> None:
    """Confirming a canceled intent is refused and charges nothing."""
    intent_id = new_intent(sandbox_provider)
    sandbox_provider.cancel_intent(intent_id)
    with pytest.raises(PaymentRequestInvalid):
        sandbox_provider.confirm_intent(intent_id, payment_method="pm_card_visa")
    assert sandbox_provider.retrieve_intent(intent_id).amount_received == 0


def test_concurrent_refunds_never_exceed_the_capture(sandbox_provider: SandboxProvider) -> None:
    """Eight racing refunds of 100 on a 250 payment: exactly two pass, 200 refunded."""
    intent_id = new_intent(sandbox_provider, 250)
    sandbox_provider.confirm_intent(intent_id, payment_method="pm_card_visa")

    def attempt(_: int) -> bool:
        try:
            sandbox_provider.refund(intent_id, amount=Money(100), idempotency_key=key())
        except RefundNotAllowed:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert outcomes.count(True) == 2
    sandbox_provider.refund(intent_id, amount=Money(50), idempotency_key=key())
    with pytest.raises(RefundNotAllowed):
        sandbox_provider.refund(intent_id, amount=Money(1), idempotency_key=key())


def test_refund_in_another_currency_is_refused(sandbox_provider: SandboxProvider) -> None:
    """A EUR payment is not refunded in another currency."""
    intent_id = new_intent(sandbox_provider)
    sandbox_provider.confirm_intent(intent_id, payment_method="pm_card_visa")
    with pytest.raises(PaymentRequestInvalid):
        sandbox_provider.refund(intent_id, amount=Money(100, "USD"), idempotency_key=key())


def test_keys_live_under_the_prefix(
    sandbox_provider: SandboxProvider, redis_client: redis_lib.Redis, key_prefix: str
) -> None:
    """Everything the sandbox writes is under its key prefix (and so cleaned up)."""
    new_intent(sandbox_provider)
    keys = [k.decode() for k in redis_client.scan_iter(match=key_prefix + "*")]
    assert keys
    assert all(k.startswith(key_prefix + "payments:sandbox:") for k in keys)


def test_intents_are_shared_between_instances() -> None:
    """Another process's provider on the same Redis sees the same intents (embedded fakeredis)."""
    server = fakeredis.FakeServer()
    api = SandboxProvider(fakeredis.FakeRedis(server=server), "whsec_x", key_prefix="t:")
    worker = SandboxProvider(fakeredis.FakeRedis(server=server), "whsec_x", key_prefix="t:")
    intent_id = new_intent(api)
    worker.confirm_intent(intent_id, payment_method="pm_card_visa")
    assert api.retrieve_intent(intent_id).status is IntentStatus.SUCCEEDED

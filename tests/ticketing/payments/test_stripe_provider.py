"""StripeProvider specifics against localstripe: retries, faults, error mapping, no secrets."""

from __future__ import annotations

import uuid

import pytest
import stripe

from mobility.money import Money
from tests.ticketing.stripe_harness import HARNESS_API_KEY, StripeProxy, free_port
from ticketing.errors import PaymentProviderUnavailable
from ticketing.payments.errors import PaymentConfigurationError
from ticketing.payments.provider import IntentStatus
from ticketing.payments.stripe_format import scrub
from ticketing.payments.stripe_provider import StripeProvider


def key() -> str:
    return uuid.uuid4().hex


def test_the_idempotency_key_reaches_stripe(
    stripe_provider: StripeProvider, stripe_proxy: StripeProxy
) -> None:
    """Creates and refunds send our key, and a repeat is answered without a second create."""
    k = key()
    stripe_provider.create_intent(amount=Money(250), order_id="o", idempotency_key=k)
    stripe_provider.create_intent(amount=Money(250), order_id="o", idempotency_key=k)
    creates = [r for r in stripe_proxy.requests if r.path == "/v1/payment_intents"]
    assert [r.idempotency_key for r in creates] == [k, k]
    assert len(stripe_proxy.forwarded("POST", "/v1/payment_intents")) == 1


def test_lost_response_is_retried_without_a_second_payment(
    stripe_provider: StripeProvider, stripe_proxy: StripeProxy
) -> None:
    """Stripe acted but the answer was lost: the SDK's retry (same key) gets the same intent."""
    stripe_proxy.fail_next("lost_response", path_contains="/v1/payment_intents")
    intent = stripe_provider.create_intent(amount=Money(250), order_id="o", idempotency_key=key())
    creates = [r for r in stripe_proxy.requests if r.path == "/v1/payment_intents"]
    assert len(creates) == 2
    assert creates[1].replayed
    assert len(stripe_proxy.forwarded("POST", "/v1/payment_intents")) == 1
    assert stripe_provider.retrieve_intent(intent.intent_id).amount == Money(250)


def test_lost_refund_response_refunds_once(
    stripe_provider: StripeProvider, stripe_proxy: StripeProxy
) -> None:
    """A refund whose answer was lost is retried by the SDK and still refunds once."""
    intent = stripe_provider.create_intent(amount=Money(250), order_id="o", idempotency_key=key())
    stripe_provider.confirm_intent(intent.intent_id, payment_method="pm_card_visa")
    stripe_proxy.fail_next("lost_response", path_contains="/v1/refunds")
    stripe_provider.refund(intent.intent_id, amount=Money(200), idempotency_key=key())
    refunds = list(stripe_proxy.forwarded("POST", "/v1/refunds"))
    assert len(refunds) == 1


def test_one_503_is_retried_by_the_sdk(
    stripe_provider: StripeProvider, stripe_proxy: StripeProxy
) -> None:
    """A passing outage is absorbed by the SDK's retries (max_network_retries=2)."""
    stripe_proxy.fail_next("unavailable", path_contains="/v1/payment_intents")
    intent = stripe_provider.create_intent(amount=Money(250), order_id="o", idempotency_key=key())
    assert intent.status is IntentStatus.REQUIRES_PAYMENT_METHOD


def test_lasting_5xx_is_provider_unavailable(stripe_proxy: StripeProxy) -> None:
    """5xx beyond the retries becomes PaymentProviderUnavailable (503), not a crash."""
    provider = StripeProvider(HARNESS_API_KEY, "whsec_x", stripe_proxy.url, max_network_retries=0)
    stripe_proxy.fail_next("unavailable", path_contains="/v1/payment_intents")
    with pytest.raises(PaymentProviderUnavailable):
        provider.create_intent(amount=Money(250), order_id="o", idempotency_key=key())


def test_connection_reset_is_provider_unavailable(stripe_proxy: StripeProxy) -> None:
    """A connection dropped before Stripe answered is PaymentProviderUnavailable."""
    provider = StripeProvider(HARNESS_API_KEY, "whsec_x", stripe_proxy.url, max_network_retries=0)
    stripe_proxy.fail_next("reset")
    with pytest.raises(PaymentProviderUnavailable):
        provider.retrieve_intent("pi_whatever")


def test_closed_port_is_provider_unavailable() -> None:
    """Nobody listening at the API address is PaymentProviderUnavailable, key not in it."""
    secret_key = "sk_test_very_secret_value_123"
    provider = StripeProvider(
        secret_key, "whsec_x", f"http://127.0.0.1:{free_port()}", max_network_retries=0
    )
    with pytest.raises(PaymentProviderUnavailable) as unavailable:
        provider.create_intent(amount=Money(250), order_id="o", idempotency_key=key())
    assert secret_key not in str(unavailable.value.to_problem())


def test_rejected_key_is_unavailable_and_never_echoed(stripe_proxy: StripeProxy) -> None:
    """A key Stripe refuses is our configuration's fault (503), and the key is not repeated."""
    bad_key = "rk_live_leaky_key_value"  # localstripe accepts only sk_ keys
    provider = StripeProvider(bad_key, "whsec_x", stripe_proxy.url, max_network_retries=0)
    with pytest.raises(PaymentProviderUnavailable) as unavailable:
        provider.retrieve_intent("pi_x")
    assert bad_key not in str(unavailable.value.to_problem())
    assert bad_key not in repr(provider)


def test_authentication_step_is_requires_action(
    stripe_provider: StripeProvider, localstripe_url: str
) -> None:
    """A card needing 3-D Secure leaves the intent in requires_action for the app."""
    raw = stripe.StripeClient(HARNESS_API_KEY, base_addresses={"api": localstripe_url})
    method = raw.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4000002500003155", "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    intent = stripe_provider.create_intent(amount=Money(250), order_id="o", idempotency_key=key())
    confirmed = stripe_provider.confirm_intent(intent.intent_id, payment_method=method.id)
    assert confirmed.status is IntentStatus.REQUIRES_ACTION
    assert not confirmed.status.is_final


def test_missing_api_key_is_a_configuration_error() -> None:
    """An empty API key fails at construction with a clear message."""
    with pytest.raises(PaymentConfigurationError, match="STRIPE_API_KEY"):
        StripeProvider("", "whsec_x")


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("Invalid API Key provided: sk_live_abcDEF123", "sk_live_abcDEF123"),
        ("secret whsec_abc123 used", "whsec_abc123"),
        ("intent pi_123_secret_XyZ9 seen", "pi_123_secret_XyZ9"),
        ("key rk_test_zz9", "rk_test_zz9"),
    ],
)
def test_scrub_removes_secret_shapes(text: str, leak: str) -> None:
    """Keys, webhook secrets and client secrets are cut out of provider messages."""
    cleaned = scrub(text)
    assert leak not in cleaned
    assert "[redacted]" in cleaned

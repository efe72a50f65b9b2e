"""The harness itself: replay, kill switch and proxy behave as the other tests assume."""

from __future__ import annotations

import uuid

import pytest
import stripe

from mobility.money import Money
from tests.ticketing.stripe_harness import (
    HARNESS_API_KEY,
    Delivery,
    StripeProxy,
    WorkerKilled,
    deliver,
    kill_on_call,
    make_event,
)
from ticketing.errors import IdempotencyKeyReused
from ticketing.payments.factory import get_payment_provider
from ticketing.payments.provider import IntentStatus, PaymentProvider
from ticketing.payments.stripe_provider import StripeProvider


def test_deliver_duplicates_and_shuffles_deterministically() -> None:
    """Every event arrives exactly twice; one seed gives one order, another seed another."""
    events = [make_event("payment_intent.succeeded", {"id": f"pi_{n}"}) for n in range(6)]
    first: list[str] = []
    deliver(events, lambda p, s: first.append(Delivery(p, s).event_id), shuffle=1)
    again: list[str] = []
    deliver(events, lambda p, s: again.append(Delivery(p, s).event_id), shuffle=1)
    other: list[str] = []
    deliver(events, lambda p, s: other.append(Delivery(p, s).event_id), shuffle=2)
    assert sorted(first) == sorted([e.event_id for e in events] * 2)
    assert first == again
    assert first != other
    plain: list[str] = []
    deliver(
        events, lambda p, s: plain.append(Delivery(p, s).event_id), duplicate=False, shuffle=None
    )
    assert plain == [e.event_id for e in events]


class Jobs:
    """A stand-in for the orders worker: pay an order, then issue its passes."""

    def __init__(self, provider: PaymentProvider) -> None:
        self.provider = provider
        self.passes: list[str] = []

    def issue_passes(self, order_id: str) -> None:
        if order_id not in self.passes:  # the real one keys on the order, as here
            self.passes.append(order_id)

    def pay(self, order_id: str) -> str:
        intent = self.provider.create_intent(
            amount=Money(250), order_id=order_id, idempotency_key=f"order:{order_id}:pay"
        )
        paid = self.provider.confirm_intent(intent.intent_id, payment_method="pm_card_visa")
        assert paid.status is IntentStatus.SUCCEEDED
        self.issue_passes(order_id)
        return intent.intent_id


@pytest.mark.parametrize("fixture", ["stripe_provider", "sandbox_provider"])
def test_worker_killed_between_payment_and_passes_charges_once(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    localstripe_url: str,
    fixture: str,
) -> None:
    """Killed after the payment succeeded, the rerun job pays nothing more and issues once."""
    jobs = Jobs(request.getfixturevalue(fixture))
    order_id = uuid.uuid4().hex
    switch = kill_on_call(monkeypatch, jobs.provider, "confirm_intent", when="after")
    with pytest.raises(WorkerKilled):
        jobs.pay(order_id)
    assert switch.killed
    assert switch.returned[0].status is IntentStatus.SUCCEEDED
    assert jobs.passes == []  # the kill came before issuance
    intent_id = jobs.pay(order_id)  # the restarted worker runs the job again
    assert switch.calls == 2
    assert jobs.passes == [order_id]
    assert jobs.provider.retrieve_intent(intent_id).amount_received == 250
    if fixture == "stripe_provider":
        raw = stripe.StripeClient(HARNESS_API_KEY, base_addresses={"api": localstripe_url})
        charges = [
            c
            for c in raw.v1.charges.list(params={"limit": 100}).auto_paging_iter()
            if c.payment_intent == intent_id
        ]
        assert len(charges) == 1


def test_kill_before_leaves_no_effect(
    monkeypatch: pytest.MonkeyPatch, sandbox_provider: PaymentProvider
) -> None:
    """when='before' kills without running the call: no intent is made."""
    kill_on_call(monkeypatch, sandbox_provider, "create_intent", when="before")
    with pytest.raises(WorkerKilled):
        sandbox_provider.create_intent(amount=Money(1), order_id="o", idempotency_key="k")
    assert not isinstance(WorkerKilled("x"), Exception)  # `except Exception` cannot absorb it


def test_proxy_refuses_key_reuse_with_other_parameters(
    stripe_provider: StripeProvider, stripe_proxy: StripeProxy
) -> None:
    """The proxy answers Stripe's idempotency_error, which maps to IdempotencyKeyReused."""
    k = uuid.uuid4().hex
    stripe_provider.create_intent(amount=Money(250), order_id="o", idempotency_key=k)
    with pytest.raises(IdempotencyKeyReused):
        stripe_provider.create_intent(amount=Money(250), order_id="other", idempotency_key=k)
    assert len(stripe_proxy.forwarded("POST", "/v1/payment_intents")) == 1


def test_stripe_settings_env_selects_stripe(
    stripe_settings_env: StripeProxy,
) -> None:
    """The settings fixture makes the app's factory build Stripe against localstripe."""
    provider = get_payment_provider()
    assert isinstance(provider, StripeProvider)
    assert provider.api_base == stripe_settings_env.url
    intent = provider.create_intent(
        amount=Money(150), order_id="o", idempotency_key=uuid.uuid4().hex
    )
    assert provider.retrieve_intent(intent.intent_id).amount == Money(150)

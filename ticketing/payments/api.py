"""Payment provider webhooks: verified, deduplicated, applied from the provider's own state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from mobility.deps import SessionDep
from mobility.errors import NotFound
from mobility.problems import problem_responses
from ticketing.errors import InvalidWebhook, OrderStateConflict, PaymentProviderUnavailable
from ticketing.orders.service import PaymentNotRecordedYet, handle_webhook
from ticketing.payments.factory import get_payment_provider
from ticketing.payments.provider import PaymentProvider

router = APIRouter(tags=["payments"])
MAX_WEBHOOK_BYTES = 256 * 1024


class WebhookOut(BaseModel):
    received: bool
    outcome: str


def _provider() -> PaymentProvider:
    return get_payment_provider()


@router.post(
    "/payments/webhooks/{provider_name}",
    response_model=WebhookOut,
    responses=problem_responses(
        InvalidWebhook,
        NotFound,
        OrderStateConflict,
        PaymentNotRecordedYet,
        PaymentProviderUnavailable,
    ),
)
async def webhook(
    provider_name: str,
    request: Request,
    session: SessionDep,
    provider: Annotated[PaymentProvider, Depends(_provider)],
    stripe_signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None,
) -> WebhookOut:
    """Receive a provider event (signature checked); redelivery is harmless."""
    if provider_name != provider.name:
        raise NotFound(f"no webhook for provider '{provider_name}' here")
    payload = await request.body()
    if len(payload) > MAX_WEBHOOK_BYTES:
        raise InvalidWebhook("payload too large")
    # Database and provider calls block: off the event loop, as a sync endpoint would be.
    outcome = await run_in_threadpool(
        handle_webhook, session, provider, payload, stripe_signature, datetime.now(UTC)
    )
    return WebhookOut(received=True, outcome=outcome)

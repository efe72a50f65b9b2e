"""The webhook of a finished fleet plan: a signed POST, retried a few times, never part of the
plan's own result (a receiver that is down leaves the plan done).

Signature (Stripe's scheme): header ``Mobility-Signature: t=<unix seconds>,v1=<hex>`` where
the hex is HMAC-SHA256 with `FLEET_WEBHOOK_SECRET` over ``<t>.<raw body>``. A receiver
recomputes it, compares in constant time, and refuses a `t` older than a few minutes (replay).
The body is a notice, not the plan: the receiver fetches the plan with its own credentials.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from mobility.freight.fleet_plans.models import FleetPlan, WebhookStatus
from mobility.freight.fleet_plans.webhook_url import WebhookUrlRefused, resolving_check
from mobility.settings import get_settings

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "Mobility-Signature"


class WebhookNotDelivered(RuntimeError):
    """Raised so the outbox tries again later (with its back-off)."""


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The header value for `body` sent at `timestamp`."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(
    secret: bytes, header: str, body: bytes, *, now: int, tolerance_s: int = 300
) -> bool:
    """A receiver's check: the signature matches and is recent."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = signature(secret, timestamp, body)
    return hmac.compare_digest(expected, header)


def notice(plan: FleetPlan) -> bytes:
    totals = (plan.result or {}).get("totals")
    document = {
        "type": "fleet_plan.finished",
        "plan_id": plan.id,
        "status": plan.status.value,
        "url": f"/v1/freight/fleet-plans/{plan.id}",
        "finished_at": plan.finished_at.isoformat() if plan.finished_at else None,
        "totals": totals,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def _record(factory: sessionmaker[Session], plan_id: str, **values: Any) -> None:
    with factory() as session:
        plan = session.get_one(FleetPlan, plan_id)
        for name, value in values.items():
            setattr(plan, name, value)
        session.commit()


def deliver_webhook(session: Session, plan_id: str) -> WebhookStatus | None:
    """POST the plan's notice; its webhook status afterwards (None when it has no webhook).

    Attempts are recorded in their own transaction (a failure rolls the delivery's back); after
    `FLEET_WEBHOOK_ATTEMPTS` the webhook is marked failed and not tried again.
    """
    settings = get_settings()
    plan = session.get(FleetPlan, plan_id)
    if plan is None or plan.webhook_url is None or plan.webhook_status is not WebhookStatus.PENDING:
        return None if plan is None else plan.webhook_status
    factory = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
    secret = settings.fleet_webhook_secret.get_secret_value().encode()
    try:
        if not secret:  # removed since the plan was made: an unsigned notice proves nothing
            raise WebhookUrlRefused("webhooks are no longer configured on this server")
        resolving_check(plan.webhook_url, production=settings.is_production)
    except WebhookUrlRefused as exc:  # final, not retried
        log.warning("fleet plan %s: webhook refused: %s", plan_id, exc)
        _record(
            factory,
            plan_id,
            webhook_status=WebhookStatus.FAILED,
            webhook_attempts=plan.webhook_attempts,
            webhook_error=str(exc)[:500],
        )
        return WebhookStatus.FAILED
    body = notice(plan)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(secret, int(time.time()), body),
        "Mobility-Webhook-Id": plan.id,
    }
    attempts = plan.webhook_attempts + 1
    try:
        # Streamed and never read: a receiver cannot make the worker hold a large answer.
        with httpx.stream(
            "POST",
            plan.webhook_url,
            content=body,
            headers=headers,
            timeout=settings.fleet_webhook_timeout_s,
            follow_redirects=False,
        ) as response:
            error = None if response.is_success else f"HTTP {response.status_code}"
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        error = f"{exc.__class__.__name__}"
    if error is None:
        _record(
            factory,
            plan_id,
            webhook_status=WebhookStatus.DELIVERED,
            webhook_attempts=attempts,
            webhook_error=None,
        )
        return WebhookStatus.DELIVERED
    if attempts >= settings.fleet_webhook_attempts:
        log.warning("fleet plan %s: webhook failed %d times, giving up", plan_id, attempts)
        _record(
            factory,
            plan_id,
            webhook_status=WebhookStatus.FAILED,
            webhook_attempts=attempts,
            webhook_error=error,
        )
        return WebhookStatus.FAILED
    _record(factory, plan_id, webhook_attempts=attempts, webhook_error=error)
    raise WebhookNotDelivered(f"fleet plan {plan_id}: webhook attempt {attempts}: {error}")


def handle_fleet_plan_webhook(session: Session, payload: Mapping[str, Any]) -> None:
    """The outbox handler of `mobility.freight.fleet_plans.service.FLEET_PLAN_WEBHOOK`."""
    deliver_webhook(session, str(payload["plan_id"]))

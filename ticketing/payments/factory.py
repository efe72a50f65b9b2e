"""The configured payment provider: the sandbox by default, Stripe when PAYMENT_PROVIDER=stripe."""

from __future__ import annotations

import threading

from mobility.redis_client import get_redis
from mobility.settings import Settings, get_settings
from ticketing.payments.errors import PaymentConfigurationError
from ticketing.payments.provider import PaymentProvider

_lock = threading.Lock()
_cached: PaymentProvider | None = None


def build_payment_provider(settings: Settings) -> PaymentProvider:
    """A new provider for `settings`; PaymentConfigurationError if they cannot work."""
    if settings.payment_provider == "stripe":
        from ticketing.payments.stripe_provider import StripeProvider

        api_key = settings.stripe_api_key.get_secret_value()
        webhook_secret = settings.stripe_webhook_secret.get_secret_value()
        if not api_key:
            raise PaymentConfigurationError("PAYMENT_PROVIDER=stripe needs STRIPE_API_KEY")
        if settings.is_production and not webhook_secret:
            # Without it every webhook is rejected and paid orders would never complete.
            raise PaymentConfigurationError(
                "PAYMENT_PROVIDER=stripe in production needs STRIPE_WEBHOOK_SECRET"
            )
        return StripeProvider(api_key, webhook_secret, settings.stripe_api_base or None)

    if settings.is_production:
        # The sandbox approves test cards without taking money: passes would be free.
        raise PaymentConfigurationError(
            "the sandbox payment provider cannot run in production; set PAYMENT_PROVIDER=stripe"
        )
    from ticketing.payments.sandbox import SandboxProvider

    return SandboxProvider(get_redis(), settings.sandbox_webhook_secret.get_secret_value())


def get_payment_provider(settings: Settings | None = None) -> PaymentProvider:
    """The process-wide provider for the current settings (or a new one for `settings`)."""
    global _cached
    if settings is not None:
        return build_payment_provider(settings)
    with _lock:
        if _cached is None:
            _cached = build_payment_provider(get_settings())
        return _cached


def reset_payment_provider_cache() -> None:
    """Forget the cached provider (tests that change the settings call this)."""
    global _cached
    with _lock:
        _cached = None

"""The provider factory: sandbox by default, Stripe by setting, misconfiguration refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mobility.redis_client import reset_redis_cache
from mobility.settings import Settings, get_settings
from ticketing.payments.errors import PaymentConfigurationError
from ticketing.payments.factory import (
    build_payment_provider,
    get_payment_provider,
    reset_payment_provider_cache,
)
from ticketing.payments.sandbox import SandboxProvider
from ticketing.payments.stripe_provider import StripeProvider


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_sandbox_is_the_default() -> None:
    """With no payment settings the embedded default gets the sandbox."""
    assert isinstance(build_payment_provider(settings()), SandboxProvider)


def test_stripe_by_setting() -> None:
    """PAYMENT_PROVIDER=stripe with a key gives the Stripe provider at the configured base."""
    provider = build_payment_provider(
        settings(
            payment_provider="stripe",
            stripe_api_key="sk_test_1",
            stripe_api_base="http://127.0.0.1:9",
            stripe_webhook_secret="whsec_1",
        )
    )
    assert isinstance(provider, StripeProvider)
    assert provider.api_base == "http://127.0.0.1:9"
    assert "sk_test_1" not in repr(provider)


@pytest.mark.parametrize(
    "values",
    [
        {"payment_provider": "stripe"},
        {"payment_provider": "stripe", "environment": "production"},
        {"payment_provider": "stripe", "environment": "production", "stripe_api_key": "sk_1"},
        {"payment_provider": "sandbox", "environment": "production"},
    ],
)
def test_unworkable_configuration_is_refused(values: dict[str, str]) -> None:
    """Stripe without a key, production without a webhook secret, or the sandbox in production."""
    with pytest.raises(PaymentConfigurationError):
        build_payment_provider(settings(**values))


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("PAYMENT_PROVIDER", "STRIPE_API_KEY", "ENVIRONMENT", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    reset_redis_cache()
    reset_payment_provider_cache()
    yield monkeypatch
    get_settings.cache_clear()
    reset_redis_cache()
    reset_payment_provider_cache()


def test_provider_is_cached_until_reset(clean_env: pytest.MonkeyPatch) -> None:
    """One provider per process; reset (after a settings change) builds the new one."""
    first = get_payment_provider()
    assert get_payment_provider() is first
    assert isinstance(first, SandboxProvider)
    clean_env.setenv("PAYMENT_PROVIDER", "stripe")
    clean_env.setenv("STRIPE_API_KEY", "sk_test_2")
    get_settings.cache_clear()
    assert get_payment_provider() is first
    reset_payment_provider_cache()
    assert isinstance(get_payment_provider(), StripeProvider)

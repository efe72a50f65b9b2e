"""Fixtures shared by the ticketing tests: the Stripe harness (see stripe_harness.py) and the
shop (see shop.py)."""

from tests.ticketing.shop import provider, shop, tariffs_text  # noqa: F401 - fixtures are found by name
from tests.ticketing.stripe_harness import (  # noqa: F401 - fixtures are found by name
    _stripe_proxy_session,
    localstripe_url,
    sandbox_provider,
    stripe_provider,
    stripe_proxy,
    stripe_settings_env,
    webhook_receiver,
)

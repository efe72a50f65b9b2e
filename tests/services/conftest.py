"""The shop (the app on both databases with real Redis, tariffs loaded, sandbox payments) for
the whole-API tests: role matrix, cross-tenant, logs, schemathesis."""

from tests.ticketing.shop import provider, shop, tariffs_text  # noqa: F401 - fixtures by name

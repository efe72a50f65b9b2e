"""Fixtures of the fault tests: the access-control server's (a configured app, gates, passes)
and the ticketing shop's (travellers, orders, the sandbox provider), found by name."""

from tests.access_control.server.conftest import (  # noqa: F401 - fixtures are found by name
    app_env,
    client,
    issue_pass,
    keyring,
    register,
)
from tests.ticketing.shop import provider, shop, tariffs_text  # noqa: F401 - found by name

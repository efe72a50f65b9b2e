"""Which webhook URLs a plan may name: none without a configured secret; in production only
https to a host whose every address is public, checked again (resolving) before delivery."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from mobility.freight.fleet_plans.errors import FleetPlanInvalid
from mobility.freight.fleet_plans.service import _check_webhook
from mobility.freight.fleet_plans.webhook_url import WebhookUrlRefused, check_webhook_url
from mobility.settings import Settings, get_settings


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("FLEET_WEBHOOK_SECRET", "s" * 40)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def resolver(*addresses: str) -> Any:
    """A resolver answering `addresses` for any name, in getaddrinfo's shape."""

    def resolve(_host: str, port: int) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    return resolve


def test_a_short_secret_is_refused_without_showing_it() -> None:
    """FLEET_WEBHOOK_SECRET signs with HMAC-SHA256: under 32 bytes the settings refuse it, and
    the error masks the value."""
    with pytest.raises(ValidationError, match="at least 32 bytes") as refused:
        Settings(fleet_webhook_secret="short-secret-1")  # type: ignore[arg-type]
    assert "short-secret-1" not in str(refused.value)
    assert Settings(fleet_webhook_secret="").fleet_webhook_secret.get_secret_value() == ""  # type: ignore[arg-type]


def test_no_secret_no_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without FLEET_WEBHOOK_SECRET a webhook is refused (it could not be signed)."""
    monkeypatch.setenv("FLEET_WEBHOOK_SECRET", "")
    get_settings.cache_clear()
    with pytest.raises(FleetPlanInvalid, match="not configured"):
        _check_webhook("https://hooks.example.com/x")
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://10.1.2.3/x",
        "https://[::1]/x",
        "https://[::ffff:10.0.0.1]/x",
        "https://169.254.169.254/latest",
        "https://localhost/x",
        "https://localhost./x",
        "https://db.internal/x",
        "https://db/x",
        "https://user:pw@hooks.example.com/x",
    ],
)
def test_production_refuses_plain_http_and_internal_hosts(
    configured: pytest.MonkeyPatch, url: str
) -> None:
    """In production a webhook to plain http, a private, loopback or link-local address
    (IPv4-mapped too), localhost (with a trailing dot too), a single-label or internal name,
    or one carrying credentials is refused as a 422 problem."""
    configured.setenv("ENVIRONMENT", "production")
    get_settings.cache_clear()
    with pytest.raises(FleetPlanInvalid):
        _check_webhook(url)


def test_production_accepts_a_public_https_host(configured: pytest.MonkeyPatch) -> None:
    """A public https host is accepted in production; outside it, a local test receiver too."""
    _check_webhook("http://127.0.0.1:8080/hook")
    configured.setenv("ENVIRONMENT", "production")
    get_settings.cache_clear()
    _check_webhook("https://hooks.example.com/fleet")


def test_a_name_pointing_inward_is_refused_at_delivery() -> None:
    """Before a delivery the name is resolved: a public-looking name whose addresses include a
    private or loopback one is refused; one resolving to public addresses only passes; a name
    that does not resolve is refused."""
    url = "https://hooks.example.com/fleet"
    check_webhook_url(url, production=True, resolve=resolver("93.184.215.14"))
    for inward in (("10.0.0.7",), ("93.184.215.14", "127.0.0.1"), ("::ffff:192.168.1.2",)):
        with pytest.raises(WebhookUrlRefused, match="public host"):
            check_webhook_url(url, production=True, resolve=resolver(*inward))

    def unknown(_host: str, _port: int) -> list[tuple[Any, ...]]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(WebhookUrlRefused, match="does not resolve"):
        check_webhook_url(url, production=True, resolve=unknown)
    check_webhook_url("http://127.0.0.1:9/x", production=False, resolve=resolver("127.0.0.1"))

"""Which webhook URLs a fleet plan may name: the worker must never be made to POST into our own
network (server-side request forgery).

In production a webhook is https to a host whose every address is public. The check runs when
a plan is created and again, resolving the name, before each delivery: a name that was public
when the plan was made may point inward later. What remains (a name re-pointed between that
resolution and the connection) is for the egress rules of the worker's network to stop.
Outside production any URL is allowed, so a test can run its receiver on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

Resolver = Callable[[str, int], Iterable[tuple[Any, ...]]]
# Names that never leave the machine or the site whatever DNS says.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")


class WebhookUrlRefused(ValueError):
    """The URL may not be called; the message says why (safe to show to the plan's owner)."""


def _system_resolver(host: str, port: int) -> Iterable[tuple[Any, ...]]:
    return socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_global


def check_webhook_url(url: str, *, production: bool, resolve: Resolver | None = None) -> None:
    """Raise `WebhookUrlRefused` unless `url` may be called.

    Parameters
    ----------
    url
        The webhook URL as stored.
    production
        Outside production nothing is refused.
    resolve
        With a resolver (``getaddrinfo``-like), the host's addresses are looked up and each
        must be public; without, only a literal address or a local name is refused.
    """
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlRefused("webhook_url must not carry credentials (the body is signed)")
    if not production:
        return
    if parts.scheme != "https":
        raise WebhookUrlRefused("webhook_url must be https")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise WebhookUrlRefused("webhook_url names no host")
    try:
        literal = [str(ipaddress.ip_address(host))]
    except ValueError:
        literal = None
        if host == "localhost" or host.endswith(_LOCAL_SUFFIXES) or "." not in host:
            raise WebhookUrlRefused("webhook_url must name a public host") from None
    if literal is not None:
        addresses = literal
    elif resolve is not None:
        try:
            addresses = [str(info[4][0]) for info in resolve(host, parts.port or 443)]
        except OSError:
            raise WebhookUrlRefused(f"webhook host {host} does not resolve") from None
    else:
        return
    if not addresses or not all(_public(a) for a in addresses):
        raise WebhookUrlRefused("webhook_url must name a public host")


def resolving_check(url: str, *, production: bool) -> None:
    """`check_webhook_url` with the system's resolver (before a delivery)."""
    check_webhook_url(url, production=production, resolve=_system_resolver)

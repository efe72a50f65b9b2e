"""Stripe test harness: localstripe run by the suite, plus what localstripe lacks.

The real `stripe` SDK talks to a localstripe subprocess through `StripeProxy`, a small HTTP
proxy that adds what Stripe has and localstripe does not: idempotency keys (replayed answers,
`idempotency_error` on reuse with other parameters) and injected faults (503s, connections
reset before the request, responses lost after Stripe acted). `WebhookReceiver` records the
signed webhook deliveries localstripe makes; `deliver` replays them duplicated and shuffled to
any target; `kill_on_call` stands for a worker killed at a chosen point.

Fixtures (registered for all of tests/ticketing by tests/ticketing/conftest.py):
    localstripe_url     session: base URL of the localstripe server
    stripe_proxy        StripeProxy in front of it (faults and request log reset per test)
    stripe_provider     StripeProvider through the proxy, verifying with HARNESS_WEBHOOK_SECRET
    webhook_receiver    session: WebhookReceiver registered with localstripe
    stripe_settings_env environment for PAYMENT_PROVIDER=stripe against the proxy
    sandbox_provider    SandboxProvider on the real Redis of `redis_client`, this test's prefix

Typical use from an app test (the webhook route is the orders' own):

    def test_paid_once(client, stripe_provider, webhook_receiver, stripe_settings_env):
        ...create the order through the API, confirm its intent with pm_card_visa...
        events = captured_events(webhook_receiver, intent_id=intent_id)
        post = lambda payload, sig: client.post(
            "/v1/payments/webhooks/stripe", content=payload,
            headers={"Stripe-Signature": sig, "Content-Type": "application/json"})
        assert all(r.status_code == 200 for r in deliver(events, post, shuffle=3))
        ...assert exactly one payment record and one pass...

For the sandbox, `sandbox_provider.deliveries(intent_id)` gives the same (payload, signature)
pairs, and `make_event(type, obj, secret=...)` signs any event of your own.
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import json
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import pytest
import redis as redis_lib

from mobility.settings import get_settings
from tests.conftest import service_unavailable
from ticketing.payments.factory import reset_payment_provider_cache
from ticketing.payments.sandbox import SandboxProvider
from ticketing.payments.stripe_format import event_payload, sign_payload
from ticketing.payments.stripe_provider import StripeProvider

_IDEMPOTENCY_MISMATCH = (
    "Keys for idempotent requests can only be used with the same parameters they were "
    "first used with."
)
HARNESS_API_KEY = "sk_test_harness"
HARNESS_WEBHOOK_SECRET = "whsec_localstripe_harness"
SANDBOX_WEBHOOK_SECRET = "whsec_sandbox_harness"

# localstripe's own start() listens on every interface (IPv6 '::') and pickles its whole store
# to /tmp/localstripe.pickle after every write; the harness serves its app on loopback only
# and keeps the store in memory, so parallel workers neither share a file nor expose a server.
_LOCALSTRIPE_MAIN = """
import socket, sys
from aiohttp import web
from localstripe import resources, server
resources.Store.dump_to_disk = lambda self: None
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", int(sys.argv[1])))
web.run_app(server.app, sock=sock, print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    request = urllib.request.Request(
        url + "/v1/events?limit=1", headers={"Authorization": f"Bearer {HARNESS_API_KEY}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A localstripe server of this test session (one per xdist worker), until it ends."""
    try:
        import localstripe  # noqa: F401
    except ImportError:
        service_unavailable("localstripe (pip install localstripe)")
    log_path = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    for _attempt in range(3):  # another process may take the free port before we bind it
        port = free_port()
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", _LOCALSTRIPE_MAIN, str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while not _answers(url) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if process.poll() is None and _answers(url):
            break
        process.kill()
        process.wait()
    else:
        tail = log_path.read_text(errors="replace")[-800:]
        service_unavailable(f"localstripe (did not answer on {url}): {tail}")
    yield url
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- the proxy: idempotency keys and faults -------------------------------------------------

Fault = Literal["unavailable", "reset", "lost_response"]


@dataclass(frozen=True)
class ProxiedRequest:
    method: str
    path: str
    idempotency_key: str | None
    replayed: bool = False


@dataclass
class _Reply:
    fingerprint: str
    status: int
    body: bytes
    content_type: str


class StripeProxy:
    """HTTP proxy to localstripe adding Stripe's idempotency keys and injectable faults.

    Faults apply to the next requests in order: "unavailable" answers 503 without forwarding,
    "reset" closes the connection without forwarding, "lost_response" forwards (Stripe acts)
    and then closes the connection, so the client cannot know the outcome and must retry.
    """

    def __init__(self, upstream: str) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream_host = parsed.hostname or "127.0.0.1"
        self.upstream_port = parsed.port or 80
        self.requests: list[ProxiedRequest] = []
        self._faults: list[tuple[Fault, str | None]] = []
        self._replies: dict[str, _Reply] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                proxy._handle(self)

            do_POST = do_GET
            do_DELETE = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the request log is `proxy.requests`

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, fault: Fault, count: int = 1, *, path_contains: str | None = None) -> None:
        """Inject `fault` into the next `count` requests (whose path contains the filter)."""
        with self._lock:
            self._faults.extend([(fault, path_contains)] * count)

    def reset(self) -> None:
        """Drop pending faults and the request log (idempotency replies are kept, as at Stripe)."""
        with self._lock:
            self._faults.clear()
            self.requests.clear()

    def forwarded(self, method: str, path_prefix: str) -> list[ProxiedRequest]:
        """The requests that reached localstripe (not replayed) for this method and path."""
        return [
            r
            for r in self.requests
            if r.method == method and r.path.startswith(path_prefix) and not r.replayed
        ]

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for i, (fault, contains) in enumerate(self._faults):
                if contains is None or contains in path:
                    del self._faults[i]
                    return fault
        return None

    def _upstream(self, method: str, path: str, body: bytes, headers: Mapping[str, str]) -> _Reply:
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=30)
        try:
            conn.request(method, path, body=body or None, headers=dict(headers))
            response = conn.getresponse()
            return _Reply(
                "",
                response.status,
                response.read(),
                response.getheader("Content-Type") or "application/json",
            )
        finally:
            conn.close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        method, path = handler.command, handler.path
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        key = handler.headers.get("Idempotency-Key") if method == "POST" else None
        fault = self._take_fault(path)
        if fault == "unavailable":
            self.requests.append(ProxiedRequest(method, path, key, replayed=True))
            return self._send(
                handler,
                _Reply(
                    "",
                    503,
                    json.dumps(
                        {"error": {"type": "api_error", "message": "injected outage"}}
                    ).encode(),
                    "application/json",
                ),
            )
        if fault == "reset":
            self.requests.append(ProxiedRequest(method, path, key, replayed=True))
            handler.close_connection = True
            return None
        headers = {
            name: value
            for name in ("Authorization", "Content-Type", "Stripe-Version")
            if (value := handler.headers.get(name))
        }
        if key is None:
            self.requests.append(ProxiedRequest(method, path, None))
            reply = self._upstream(method, path, _compatible(path, body), headers)
        else:
            fingerprint = hashlib.sha256(path.encode() + b"\0" + body).hexdigest()
            with self._lock:
                key_lock = self._key_locks.setdefault(key, threading.Lock())
            with key_lock:  # Stripe: one request per key at a time
                earlier = self._replies.get(key)
                if earlier is None:
                    self.requests.append(ProxiedRequest(method, path, key))
                    reply = self._upstream(method, path, _compatible(path, body), headers)
                    reply.fingerprint = fingerprint
                    if reply.status < 500:  # Stripe saves every result of an executed request
                        self._replies[key] = reply
                elif earlier.fingerprint != fingerprint:
                    self.requests.append(ProxiedRequest(method, path, key, replayed=True))
                    reply = _Reply(
                        fingerprint,
                        400,
                        json.dumps(
                            {
                                "error": {
                                    "type": "idempotency_error",
                                    "message": _IDEMPOTENCY_MISMATCH,
                                }
                            }
                        ).encode(),
                        "application/json",
                    )
                else:
                    self.requests.append(ProxiedRequest(method, path, key, replayed=True))
                    reply = earlier
        if fault == "lost_response":
            handler.close_connection = True
            return None
        return self._send(handler, reply)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, reply: _Reply) -> None:
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        handler.wfile.write(reply.body)


def _compatible(path: str, body: bytes) -> bytes:
    """The body without parameters localstripe rejects but Stripe accepts."""
    if path.rstrip("/") != "/v1/payment_intents" or b"description=" not in body:
        return body
    pairs = urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)
    return urllib.parse.urlencode([(k, v) for k, v in pairs if k != "description"]).encode()


@pytest.fixture(scope="session")
def _stripe_proxy_session(localstripe_url: str) -> Iterator[StripeProxy]:
    proxy = StripeProxy(localstripe_url)
    yield proxy
    proxy.close()


@pytest.fixture
def stripe_proxy(_stripe_proxy_session: StripeProxy) -> Iterator[StripeProxy]:
    """The proxy to localstripe; faults and the request log are reset after each test."""
    _stripe_proxy_session.reset()
    yield _stripe_proxy_session
    _stripe_proxy_session.reset()


@pytest.fixture
def stripe_provider(stripe_proxy: StripeProxy) -> StripeProvider:
    """The production StripeProvider against localstripe (through the proxy)."""
    return StripeProvider(HARNESS_API_KEY, HARNESS_WEBHOOK_SECRET, stripe_proxy.url)


@pytest.fixture
def stripe_settings_env(
    monkeypatch: pytest.MonkeyPatch, stripe_proxy: StripeProxy
) -> Iterator[StripeProxy]:
    """PAYMENT_PROVIDER=stripe against localstripe; combine with `settings_env` for the app."""
    monkeypatch.setenv("PAYMENT_PROVIDER", "stripe")
    monkeypatch.setenv("STRIPE_API_KEY", HARNESS_API_KEY)
    monkeypatch.setenv("STRIPE_API_BASE", stripe_proxy.url)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", HARNESS_WEBHOOK_SECRET)
    get_settings.cache_clear()
    reset_payment_provider_cache()
    yield stripe_proxy
    get_settings.cache_clear()
    reset_payment_provider_cache()


@pytest.fixture
def sandbox_provider(redis_client: redis_lib.Redis, key_prefix: str) -> SandboxProvider:
    """A SandboxProvider on real Redis under this test's key prefix (deleted after)."""
    return SandboxProvider(redis_client, SANDBOX_WEBHOOK_SECRET, key_prefix=key_prefix)


# -- webhook capture and replay -------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One signed webhook delivery as it arrived: the raw body and its Stripe-Signature."""

    payload: bytes
    signature: str

    @functools.cached_property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.payload)
        return parsed

    @property
    def event_id(self) -> str:
        return str(self.event["id"])

    @property
    def type(self) -> str:
        return str(self.event["type"])

    @property
    def intent_id(self) -> str | None:
        obj = self.event["data"]["object"]
        if obj.get("object") == "payment_intent":
            return str(obj["id"])
        ref = obj.get("payment_intent")
        return str(ref) if ref else None


class WebhookReceiver:
    """A local HTTP endpoint recording every delivery localstripe makes (thread, stdlib)."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._cond:
                    receiver.deliveries.append(
                        Delivery(body, self.headers.get("Stripe-Signature") or "")
                    )
                    receiver._cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/stripe"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(
        self, predicate: Callable[[Delivery], bool], count: int, timeout_s: float
    ) -> list[Delivery]:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while True:
                found = [d for d in self.deliveries if predicate(d)]
                left = deadline - time.monotonic()
                if len(found) >= count or left <= 0:
                    return found
                self._cond.wait(left)


def register_webhook(
    localstripe: str, hook_id: str, url: str, secret: str, events: Sequence[str] | None = None
) -> None:
    """Ask localstripe to post events (all, or `events`) to `url`, signed with `secret`."""
    fields: list[tuple[str, str]] = [("url", url), ("secret", secret)]
    fields += [("events[]", e) for e in events or ()]
    request = urllib.request.Request(
        f"{localstripe}/_config/webhooks/{hook_id}",
        data=urllib.parse.urlencode(fields).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        if response.status != 200:
            raise RuntimeError(f"localstripe refused the webhook ({response.status})")


@pytest.fixture(scope="session")
def webhook_receiver(localstripe_url: str) -> Iterator[WebhookReceiver]:
    """Records all of localstripe's deliveries, signed with HARNESS_WEBHOOK_SECRET."""
    receiver = WebhookReceiver()
    register_webhook(localstripe_url, "harness", receiver.url, HARNESS_WEBHOOK_SECRET)
    yield receiver
    receiver.close()


def captured_events(
    receiver: WebhookReceiver,
    *,
    intent_id: str | None = None,
    types: Iterable[str] | None = None,
    count: int = 1,
    timeout_s: float = 15.0,
) -> list[Delivery]:
    """The deliveries about `intent_id` (of `types`), waiting until `count` have arrived.

    localstripe posts each event about a second after the request that caused it; failing
    to see `count` within `timeout_s` fails the test with what did arrive.
    """
    wanted = set(types) if types is not None else None

    def matches(d: Delivery) -> bool:
        return (intent_id is None or d.intent_id == intent_id) and (
            wanted is None or d.type in wanted
        )

    found = receiver.wait_for(matches, count, timeout_s)
    if len(found) < count:
        pytest.fail(
            f"expected {count} webhook deliveries for {intent_id} {sorted(wanted or [])}, "
            f"got {[d.type for d in found]}"
        )
    return found


def deliver(
    events: Iterable[Delivery | tuple[bytes, str]],
    target: Callable[[bytes, str], Any],
    *,
    duplicate: bool = True,
    shuffle: int | None = 0,
) -> list[Any]:
    """Send `events` to `target(payload, signature)` as Stripe may: twice each, in any order.

    `shuffle` seeds the order (None keeps it); returns target's results in delivery order.
    """
    batch = [e if isinstance(e, Delivery) else Delivery(*e) for e in events]
    if duplicate:
        batch = batch + batch
    if shuffle is not None:
        random.Random(shuffle).shuffle(batch)
    return [target(d.payload, d.signature) for d in batch]


def make_event(
    raw_type: str,
    obj: Mapping[str, Any],
    *,
    secret: str = SANDBOX_WEBHOOK_SECRET,
    event_id: str | None = None,
    created: int | None = None,
    signed_at: int | None = None,
) -> Delivery:
    """A signed delivery of an event in Stripe's format (e.g. for the sandbox's secret)."""
    now = int(time.time())
    payload = event_payload(
        event_id or f"evt_{random.getrandbits(64):016x}", raw_type, obj, created or now
    )
    return Delivery(payload, sign_payload(payload, secret, signed_at or now))


# -- a worker killed mid-way ----------------------------------------------------------------


class WorkerKilled(BaseException):
    """Stands for SIGKILL at a point of the code: not an Exception, so no handler absorbs it."""


@dataclass
class KillSwitch:
    calls: int = 0
    killed: bool = False
    returned: list[Any] = field(default_factory=list)


def kill_on_call(
    monkeypatch: pytest.MonkeyPatch,
    owner: object,
    name: str,
    *,
    when: Literal["before", "after"] = "after",
    call: int = 1,
) -> KillSwitch:
    """Make `owner.name` kill the worker on its `call`-th call, before it runs or after it
    returned (its effects done, its caller never told): e.g. after the provider confirmed the
    payment and before passes were issued. Later calls run normally (the restarted worker).
    """
    original = getattr(owner, name)
    switch = KillSwitch()

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        switch.calls += 1
        fire = switch.calls == call
        if fire and when == "before":
            switch.killed = True
            raise WorkerKilled(f"killed before {name}")
        result = original(*args, **kwargs)
        if fire:
            switch.killed = True
            switch.returned.append(result)
            raise WorkerKilled(f"killed after {name}")
        return result

    monkeypatch.setattr(owner, name, wrapper)
    return switch


__all__ = [
    "HARNESS_API_KEY",
    "HARNESS_WEBHOOK_SECRET",
    "SANDBOX_WEBHOOK_SECRET",
    "Delivery",
    "KillSwitch",
    "ProxiedRequest",
    "StripeProxy",
    "WebhookReceiver",
    "WorkerKilled",
    "captured_events",
    "deliver",
    "free_port",
    "kill_on_call",
    "localstripe_url",
    "make_event",
    "register_webhook",
    "sandbox_provider",
    "stripe_provider",
    "stripe_proxy",
    "stripe_settings_env",
    "webhook_receiver",
]

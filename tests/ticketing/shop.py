"""The ticketing shop used by order and pricing tests: the app on both databases and real Redis,
the sandbox payment provider, travellers with access tokens, staff with refund rights."""

from __future__ import annotations

import base64
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from access_control.keyring_provider import reset_keyring_cache
from access_control.keys import KeyRing, generate_key, write_keyring_file
from access_control.proof import DeviceKey
from mobility.auth.access_tokens import issue_access_token
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.db import session_scope
from services.app import create_app
from ticketing.accounts import service as accounts
from ticketing.catalogue.loader import load_tariffs
from ticketing.payments.factory import get_payment_provider, reset_payment_provider_cache

JWT_SECRET = "orders-test-secret-" + "y" * 40
TARIFFS = Path(__file__).resolve().parents[2] / "data" / "sample" / "tariffs.toml"
_counter = itertools.count()


@dataclass
class Traveller:
    account_id: str
    headers: dict[str, str]
    device: DeviceKey = field(default_factory=DeviceKey.generate)

    @property
    def device_key(self) -> str:
        return base64.urlsafe_b64encode(self.device.public_bytes).rstrip(b"=").decode()


@dataclass
class Shop:
    client: TestClient

    def traveller(self, *, verified: tuple[str, ...] = ()) -> Traveller:
        """A new traveller account with an access token (and verified eligibility)."""
        n = next(_counter)
        with session_scope() as session:
            account = accounts.register(
                session,
                f"rider{n}-{uuid.uuid4().hex[:6]}@example.it",
                "a long passphrase 42",
                f"Rider {n}",
            )
            for category in verified:
                accounts.request_eligibility(session, account.id, category, note="card")
                accounts.decide_eligibility(
                    session,
                    account.id,
                    category,
                    verifier=_verifier(),
                    approve=True,
                    expires_at=datetime.now(UTC) + timedelta(days=365),
                )
            token = accounts.issue_session(session, account).access_token
            account_id = account.id
        return Traveller(account_id, {"Authorization": f"Bearer {token}"})

    def order(
        self,
        who: Traveller,
        lines: list[dict[str, Any]],
        *,
        key: str | None = None,
    ) -> Any:
        return self.client.post(
            "/v1/orders",
            json={"lines": lines, "device_key": who.device_key},
            headers={**who.headers, "Idempotency-Key": key or uuid.uuid4().hex},
        )

    def buy(self, who: Traveller, lines: list[dict[str, Any]]) -> dict[str, Any]:
        """Order and pay with the sandbox's test card; the fulfilled order."""
        created = self.order(who, lines)
        assert created.status_code == 201, created.text
        paid = self.client.post(
            f"/v1/orders/{created.json()['id']}/confirm",
            json={"payment_method": "pm_card_visa"},
            headers=who.headers,
        )
        assert paid.status_code == 200, paid.text
        return paid.json()


def _verifier() -> Principal:
    return Principal(
        subject="desk-1",
        kind=PrincipalKind.OPERATOR_STAFF,
        scopes=frozenset({Scope.OPERATOR_MANAGE}),
        operator_id="ATC",
    )


def staff_headers() -> dict[str, str]:
    principal = Principal(
        subject="cs-agent-1",
        kind=PrincipalKind.ADMIN,
        scopes=frozenset({Scope.ADMIN}),
    )
    return {"Authorization": f"Bearer {issue_access_token(principal)}"}


def steady_tariffs() -> str:
    """The sample tariff file without its time-of-day bands (off-peak discounts, congestion
    surcharges): orders are priced at the wall-clock time they are made, and these tests check
    fixed prices whatever the hour they run at. The bands have their own tests at fixed times."""
    text = TARIFFS.read_text()
    return text[: text.index("[[off_peak.bands]]")] + text[text.index("[eco]") :]


@pytest.fixture
def tariffs_text() -> str:
    """The tariff file the shop loads; tests of the time-of-day bands override it with the
    whole sample file and fix the times they price at."""
    return steady_tariffs()


@pytest.fixture
def shop(
    settings_env: None,  # noqa: ARG001
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    tariffs_text: str,
) -> Iterator[Shop]:
    keys = tmp_path / "keys.json"
    write_keyring_file(
        keys, KeyRing([generate_key("t1", not_before=datetime.now(UTC) - timedelta(days=1))])
    )
    monkeypatch.setenv("SIGNING_KEY_FILE", str(keys))
    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("PAYMENT_PROVIDER", "sandbox")
    from mobility.settings import get_settings

    get_settings.cache_clear()
    reset_keyring_cache()
    reset_payment_provider_cache()
    with session_scope() as session:
        load_tariffs(session, tariffs_text, source=str(TARIFFS))
    with TestClient(create_app()) as client:
        yield Shop(client)
    reset_payment_provider_cache()
    reset_keyring_cache()


@pytest.fixture
def provider(shop: Shop) -> Any:  # noqa: ARG001
    return get_payment_provider()

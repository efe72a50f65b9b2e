"""Log redaction: bearer tokens, API keys and JWTs never reach a log record in full."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from mobility.auth.redact import (
    RedactingFilter,
    install_log_redaction,
    redact,
    uninstall_log_redaction,
)

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
API_KEY = "mob_0123456789abcdef_" + "S3cr3t-_" * 5 + "abc"


@pytest.fixture
def redaction() -> Iterator[None]:
    install_log_redaction()
    yield
    uninstall_log_redaction()


def test_log_records_are_masked(caplog: pytest.LogCaptureFixture, redaction: None) -> None:
    """A bearer token and an API key logged through any logger come out masked."""
    del redaction
    log = logging.getLogger("some.library")
    with caplog.at_level(logging.INFO):
        log.info("headers: %s", {"authorization": f"Bearer {JWT}", "x-api-key": API_KEY})
        log.info("retrying with Authorization: Bearer opaque-token-123")
    text = caplog.text
    assert JWT not in text
    assert "S3cr3t" not in text
    assert "opaque-token-123" not in text
    assert "mob_0123456789abcdef_[REDACTED]" in text
    assert all("[REDACTED]" in r.getMessage() for r in caplog.records)


def test_tracebacks_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    """The filter also masks an exception's text, where a token may sit in the message."""
    log = logging.getLogger("auth.test.filter")
    log.addFilter(RedactingFilter())
    try:
        with caplog.at_level(logging.ERROR):
            try:
                raise RuntimeError(f"bad token {JWT}")
            except RuntimeError:
                log.exception("failed for key %s", API_KEY)
    finally:
        log.filters.clear()
    assert JWT not in caplog.text
    assert "S3cr3t" not in caplog.text
    assert "RuntimeError" in caplog.text


def test_redact_leaves_ordinary_text() -> None:
    """Ordinary messages pass unchanged; named secrets in query strings are masked."""
    for text in (
        "imported 42 stops from feed prato",
        "the bearer of a pass boards",
        "basic settings loaded",
    ):
        assert redact(text) == text
    assert redact("Authorization: Basic dXNlcjpwdw==") == "Authorization: Basic [REDACTED]"
    assert redact("GET /v1/x?access_token=abc123&page=2") == (
        "GET /v1/x?access_token=[REDACTED]&page=2"
    )


def test_argument_shape_is_kept_when_masking_args_suffices(
    caplog: pytest.LogCaptureFixture, redaction: None
) -> None:
    """An access-log style record keeps its argument tuple (uvicorn unpacks it), masked."""
    del redaction
    log = logging.getLogger("uvicorn.access.test")
    with caplog.at_level(logging.INFO):
        log.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1", "GET", "/v1/x?token=abcdefgh1", "1.1", 200)
    (record,) = caplog.records
    assert record.args == ("127.0.0.1", "GET", "/v1/x?token=[REDACTED]", "1.1", 200)
    assert "abcdefgh1" not in caplog.text


def test_refresh_tokens_keep_their_id_only() -> None:
    """A traveller's refresh token keeps its id (to find the session) and loses its secret."""
    secret = "Q" * 43
    text = redact(f"refresh failed for rt_0123456789abcdef_{secret}")
    assert secret not in text
    assert "rt_0123456789abcdef_[REDACTED]" in text


def test_payment_secrets_are_masked() -> None:
    """Stripe API keys, webhook signing secrets and intents' client secrets are masked; an
    intent keeps its id, for correlation."""
    text = redact(
        "stripe sk_test_4eC39HqLyjWDarjtT1zdp7dc, rk_live_51Habcdefgh, whsec_f00baR-123456, "
        "client pi_3NabcXYZ_secret_kP9cLmQ2"
    )
    for secret in ("4eC39Hq", "51Habcdefgh", "f00baR", "kP9cLmQ2"):
        assert secret not in text
    assert "pi_3NabcXYZ_secret_[REDACTED]" in text


def test_quoted_secrets_are_masked_to_their_closing_quote() -> None:
    """A passphrase with spaces, as a JSON or Python-repr value, is masked whole, not only up
    to its first space; the rest of the text is kept."""
    json_text = '{"password": "a long passphrase 42", "email": "anna@example.it"}'
    assert redact(json_text) == '{"password": "[REDACTED]", "email": "anna@example.it"}'
    assert redact(str({"secret": "two words"})) == "{'secret': '[REDACTED]'}"
    assert redact("password=hunter2&next=1") == "password=[REDACTED]&next=1"


def test_structured_fields_are_masked_by_the_filter(caplog: pytest.LogCaptureFixture) -> None:
    """Fields passed with `extra=` (JSON log lines carry them) are masked by the filter, which
    sees them, unlike the record factory; fields without secrets keep their type."""
    log = logging.getLogger("auth.test.extra")
    log.addFilter(RedactingFilter())
    try:
        with caplog.at_level(logging.INFO, logger="auth.test.extra"):
            fields = {"auth": f"Bearer {JWT}", "headers": {"x-api-key": API_KEY}, "status": 200}
            log.info("call", extra=fields)
    finally:
        log.filters.clear()
    (record,) = caplog.records
    assert str(record.auth) == "Bearer [REDACTED]"
    assert "S3cr3t" not in str(record.headers)
    assert "mob_0123456789abcdef_[REDACTED]" in str(record.headers)
    assert record.status == 200

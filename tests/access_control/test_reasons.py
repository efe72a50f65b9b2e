"""Reason codes: stable wire values, texts for every code, problem+json rendering."""

from __future__ import annotations

from access_control.errors import TokenRejected
from access_control.reasons import Reason

# The wire codes are a contract with gates and dashboards: changing this list is a breaking change.
STABLE_CODES = [
    "oversized", "truncated", "malformed", "alg_none", "alg_not_allowed", "alg_key_mismatch",
    "key_reference_header", "crit_header", "unexpected_header", "bad_kid", "unknown_kid",
    "key_retired", "bad_signature", "bad_claims", "wrong_issuer", "wrong_audience",
    "not_yet_valid", "expired", "proof_missing", "proof_malformed", "proof_other_pass",
    "proof_stale", "proof_early", "proof_bad_signature",
    "revoked", "wrong_operator", "wrong_gate_zone", "already_used", "passback",
]  # fmt: skip


def test_codes_are_stable_and_distinct() -> None:
    """The enum's values are exactly the published codes, each once."""
    assert [reason.value for reason in Reason] == STABLE_CODES
    assert len(set(STABLE_CODES)) == len(STABLE_CODES)


def test_every_code_has_short_italian_and_english_text() -> None:
    """Each reason has a non-empty display text in both languages that fits a gate display."""
    for reason in Reason:
        for language in ("it", "en"):
            text = reason.display(language)
            assert 0 < len(text) <= 24, (reason, language, text)
    assert Reason.EXPIRED.display() == "Titolo scaduto"
    assert Reason.EXPIRED.display("en") == "Pass expired"


def test_rejection_renders_as_problem_json_with_its_reason() -> None:
    """TokenRejected is a 403 problem whose `reason` member is the stable code."""
    problem = TokenRejected(Reason.PROOF_STALE).to_problem("/v1/validations")
    assert problem["status"] == 403
    assert problem["type"].endswith("/pass-rejected")
    assert problem["reason"] == "proof_stale"
    assert problem["instance"] == "/v1/validations"

"""Proof of possession: the 15-second steps, the ~30-second window, and each way a proof fails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from access_control.errors import TokenRejected
from access_control.jwks import b64url_decode, b64url_encode
from access_control.keys import KeyRing
from access_control.proof import (
    PROOF_CHARS,
    DeviceKey,
    check_presentation,
    make_proof,
    time_step,
    verify_proof,
)
from access_control.reasons import Reason
from tests.access_control.conftest import AUDIENCE, ISSUER, NOW, Issued

STEP_START = datetime(2025, 6, 2, 8, 0, 0, tzinfo=UTC)  # the step NOW (08:00:07) falls in


def proof_reason(issued: Issued, proof: str | None, now: datetime, leeway_s: float = 0) -> Reason:
    with pytest.raises(TokenRejected) as caught:
        verify_proof(
            proof, jti=issued.jti, device_key=issued.device.public_bytes, now=now, leeway_s=leeway_s
        )
    return caught.value.reason


def accepts(issued: Issued, proof: str, now: datetime, leeway_s: float = 0) -> bool:
    device_key = issued.device.public_bytes
    verify_proof(proof, jti=issued.jti, device_key=device_key, now=now, leeway_s=leeway_s)
    return True


def test_time_steps_are_15_seconds() -> None:
    """Steps change every 15 s on the epoch grid."""
    assert time_step(STEP_START) == time_step(STEP_START + timedelta(seconds=14.999))
    assert time_step(STEP_START + timedelta(seconds=15)) == time_step(STEP_START) + 1


def test_proof_is_96_characters(issued: Issued) -> None:
    """A proof is 72 bytes in 96 base64url characters, whatever the jti."""
    assert len(issued.proof()) == PROOF_CHARS == 96


def test_proof_lives_two_steps(issued: Issued) -> None:
    """A proof made in a step is accepted in it and the next, so at most 30 s (no leeway)."""
    proof = issued.proof(NOW)
    assert accepts(issued, proof, STEP_START)
    assert accepts(issued, proof, STEP_START + timedelta(seconds=29))
    assert proof_reason(issued, proof, STEP_START + timedelta(seconds=30)) == Reason.PROOF_STALE


def test_leeway_extends_the_window_by_the_leeway_only(issued: Issued) -> None:
    """With a 5 s leeway the same proof lives until 35 s after its step started, not longer."""
    proof = issued.proof(NOW)
    assert accepts(issued, proof, STEP_START + timedelta(seconds=34), leeway_s=5)
    stale = proof_reason(issued, proof, STEP_START + timedelta(seconds=35), leeway_s=5)
    assert stale == Reason.PROOF_STALE


def test_proof_from_the_future_is_early(issued: Issued) -> None:
    """A proof of the next step (phone clock ahead) is PROOF_EARLY unless the leeway covers it."""
    ahead = issued.proof(NOW + timedelta(seconds=15))
    assert proof_reason(issued, ahead, NOW) == Reason.PROOF_EARLY
    assert accepts(issued, ahead, NOW, leeway_s=10)


def test_missing_proof(issued: Issued) -> None:
    """No proof at all (a screenshot of the bare token) is PROOF_MISSING."""
    assert proof_reason(issued, None, NOW) == Reason.PROOF_MISSING
    assert proof_reason(issued, "", NOW) == Reason.PROOF_MISSING


@pytest.mark.parametrize(
    "mangle",
    [
        lambda p: p[:-1],
        lambda p: p + "A",
        lambda p: "*" + p[1:],
        lambda p: b64url_encode(b"\x02" + b64url_decode(p)[1:]),  # unknown version
    ],
)
def test_malformed_proof(issued: Issued, mangle: Callable[[str], str]) -> None:
    """A proof of the wrong length, alphabet or version is PROOF_MALFORMED."""
    assert proof_reason(issued, mangle(issued.proof()), NOW) == Reason.PROOF_MALFORMED


def test_stale_proof_restamped_with_the_current_step(issued: Issued) -> None:
    """Rewriting an old proof's step to the current one breaks its signature."""
    old = b64url_decode(issued.proof(NOW - timedelta(minutes=5)))
    restamped = old[:1] + time_step(NOW).to_bytes(4, "big") + old[5:]
    reason = proof_reason(issued, b64url_encode(restamped), NOW)
    assert reason == Reason.PROOF_BAD_SIGNATURE


def test_proof_replayed_from_another_pass(issue: Callable[..., Issued]) -> None:
    """A fresh proof made for another pass (another jti) is PROOF_OTHER_PASS."""
    mine, theirs = issue(), issue()
    assert proof_reason(mine, theirs.proof(), NOW) == Reason.PROOF_OTHER_PASS


def test_proof_by_another_device(issued: Issued) -> None:
    """Someone who copied the token but not the device key signs in vain: PROOF_BAD_SIGNATURE."""
    thief = DeviceKey.generate()
    forged = make_proof(thief.private_key, issued.jti, time_step(NOW))
    assert proof_reason(issued, forged, NOW) == Reason.PROOF_BAD_SIGNATURE


def test_presentation_checks_token_then_proof(issued: Issued, ring: KeyRing) -> None:
    """check_presentation accepts a good pair and names the token's fault before the proof's."""

    def present(proof: str | None, audience: str = AUDIENCE) -> str:
        verified = check_presentation(
            issued.token, proof, ring, audience=audience, issuer=ISSUER, now=NOW
        )
        return verified.token_id

    assert present(issued.proof()) == issued.jti
    with pytest.raises(TokenRejected) as caught:
        present(None)
    assert caught.value.reason == Reason.PROOF_MISSING
    with pytest.raises(TokenRejected) as caught:
        present(None, audience="x")
    assert caught.value.reason == Reason.WRONG_AUDIENCE

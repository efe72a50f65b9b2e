"""Property: no single-byte change to a valid token+proof payload gets through the gate."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access_control.errors import TokenRejected
from access_control.keys import KeyRing
from access_control.proof import check_presentation
from access_control.qr import format_payload, parse_payload
from tests.access_control.conftest import AUDIENCE, ISSUER, NOW, Issued


def gate(payload: str, ring: KeyRing) -> None:
    parsed = parse_payload(payload)
    check_presentation(parsed.token, parsed.proof, ring, audience=AUDIENCE, issuer=ISSUER, now=NOW)


def mutate(payload: str, index: int, byte: int) -> str:
    # A scanner hands over bytes; latin-1 maps each byte to one character, so the change is one
    # character at the same place, possibly outside ASCII.
    data = bytearray(payload.encode("latin-1"))
    data[index] = byte
    return data.decode("latin-1")


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_single_byte_mutation_is_rejected(
    data: st.DataObject, issued: Issued, ring: KeyRing
) -> None:
    """Replacing any one byte of token~proof with any other byte is rejected with a reason."""
    payload = format_payload(issued.token, issued.proof())
    gate(payload, ring)  # the unmutated payload passes: the rejections below are the mutation's
    index = data.draw(st.integers(0, len(payload) - 1), label="index")
    original = ord(payload[index])
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != original), label="byte")
    with pytest.raises(TokenRejected):
        gate(mutate(payload, index, byte), ring)


def test_every_position_with_a_flipped_bit_is_rejected(issued: Issued, ring: KeyRing) -> None:
    """Exhaustively: flipping the low bit of each byte, one at a time, is always rejected."""
    payload = format_payload(issued.token, issued.proof())
    for index, char in enumerate(payload):
        with pytest.raises(TokenRejected):
            gate(mutate(payload, index, ord(char) ^ 1), ring)

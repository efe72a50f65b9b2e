"""The QR payload a gate scans, `<token>~<proof>`, and its rendering as PNG or SVG.

'~' cannot occur in a compact JWT (base64url and '.') nor in a proof (base64url), so splitting on
it is unambiguous. The parser is the gate's first contact with untrusted input: it bounds the size
before anything else and hands over to `check_presentation` for the cryptography.

Rendering uses error correction level M (15 % of the code may be unreadable: scratched phone
screens, glare) in byte mode; segno is imported only when rendering, so a gate that only parses
does not need it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import TokenRejected
from .proof import PROOF_CHARS
from .reasons import Reason
from .tokens import MAX_TOKEN_CHARS

if TYPE_CHECKING:
    import segno

SEPARATOR = "~"
MAX_PAYLOAD_CHARS = MAX_TOKEN_CHARS + len(SEPARATOR) + PROOF_CHARS
ERROR_CORRECTION = "m"


@dataclass(frozen=True)
class QrPayload:
    """A token and the proof presented with it."""

    token: str
    proof: str

    def __post_init__(self) -> None:
        if SEPARATOR in self.token or SEPARATOR in self.proof:
            raise ValueError(f"{SEPARATOR!r} cannot be part of a token or a proof")

    def encode(self) -> str:
        return f"{self.token}{SEPARATOR}{self.proof}"


def format_payload(token: str, proof: str) -> str:
    """The text to put in the QR code (the app's side, every time step)."""
    return QrPayload(token, proof).encode()


def parse_payload(text: str) -> QrPayload:
    """Split a scanned payload; TokenRejected (OVERSIZED, MALFORMED, PROOF_MISSING) if unfit."""
    if len(text) > MAX_PAYLOAD_CHARS:
        raise TokenRejected(Reason.OVERSIZED, f"payload of {len(text)} characters")
    # Scanners in keyboard-wedge mode append CR/LF; nothing else is forgiven.
    text = text.rstrip("\r\n")
    token, separator, proof = text.partition(SEPARATOR)
    if SEPARATOR in proof:
        raise TokenRejected(Reason.MALFORMED, "more than one separator")
    if not token:
        raise TokenRejected(Reason.MALFORMED, "no token")
    if not separator or not proof:
        # A bare token: a screenshot of the token alone, or an app that did not sign.
        raise TokenRejected(Reason.PROOF_MISSING, "token without proof")
    return QrPayload(token, proof)


def _make(payload: str) -> segno.QRCode:
    import segno  # lazily: see the module docstring

    return segno.make(payload, error=ERROR_CORRECTION, micro=False, boost_error=False)


def qr_version(payload: str) -> int:
    """The QR version (1-40) the payload needs at our error correction level."""
    return int(_make(payload).version)


def render_png(payload: str, *, scale: int = 4, border: int = 4) -> bytes:
    """A PNG of the payload's QR code: `scale` pixels per module, `border` modules of margin."""
    buffer = io.BytesIO()
    _make(payload).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def render_svg(payload: str, *, scale: int = 4, border: int = 4) -> bytes:
    """An SVG (UTF-8) of the payload's QR code, sized like `render_png`."""
    buffer = io.BytesIO()
    _make(payload).save(buffer, kind="svg", scale=scale, border=border, xmldecl=False)
    return buffer.getvalue()

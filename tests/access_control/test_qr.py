"""QR payload: the `token~proof` format, its parser, and PNG/SVG rendering that scans back."""

from __future__ import annotations

import io
import struct
import xml.etree.ElementTree as ET

import pytest

from access_control.errors import TokenRejected
from access_control.keys import KeyRing
from access_control.proof import check_presentation
from access_control.qr import (
    MAX_PAYLOAD_CHARS,
    SEPARATOR,
    QrPayload,
    format_payload,
    parse_payload,
    qr_version,
    render_png,
    render_svg,
)
from access_control.reasons import Reason
from tests.access_control.conftest import AUDIENCE, ISSUER, NOW, Issued


def parse_reason(text: str) -> Reason:
    with pytest.raises(TokenRejected) as caught:
        parse_payload(text)
    return caught.value.reason


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which always comes first."""
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_payload_round_trip_verifies(issued: Issued, ring: KeyRing) -> None:
    """format → parse gives back token and proof, and the pair passes the gate check."""
    text = format_payload(issued.token, issued.proof())
    parsed = parse_payload(text + "\r\n")  # keyboard-wedge scanners add a line end
    assert parsed == QrPayload(issued.token, issued.proof())
    assert parsed.encode() == text
    check_presentation(parsed.token, parsed.proof, ring, audience=AUDIENCE, issuer=ISSUER, now=NOW)


def test_separator_cannot_occur_in_token_or_proof(issued: Issued) -> None:
    """'~' is outside base64url and '.', so it is refused inside either part."""
    with pytest.raises(ValueError, match="cannot be part"):
        format_payload(issued.token + SEPARATOR, issued.proof())


def test_parse_errors_have_reasons(issued: Issued) -> None:
    """Bare token: PROOF_MISSING; two separators or no token: MALFORMED; too long: OVERSIZED."""
    proof = issued.proof()
    assert parse_reason(issued.token) == Reason.PROOF_MISSING
    assert parse_reason(issued.token + SEPARATOR) == Reason.PROOF_MISSING
    assert parse_reason(f"{issued.token}~{proof}~{proof}") == Reason.MALFORMED
    assert parse_reason(SEPARATOR + proof) == Reason.MALFORMED
    assert parse_reason("A" * (MAX_PAYLOAD_CHARS + 1)) == Reason.OVERSIZED


def test_qr_size_budget(issued: Issued) -> None:
    """A realistic pass with its proof fits QR version 20 at level M (97 modules a side)."""
    text = format_payload(issued.token, issued.proof())
    assert len(text) <= 660
    assert qr_version(text) <= 20


def test_png_has_the_expected_dimensions(issued: Issued) -> None:
    """The PNG starts with the PNG signature and measures (modules + 2·border)·scale a side."""
    text = format_payload(issued.token, issued.proof())
    png = render_png(text, scale=3, border=4)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    side = (17 + 4 * qr_version(text) + 2 * 4) * 3
    assert png_size(png) == (side, side)


def test_png_decodes_back_to_the_payload(issued: Issued) -> None:
    """A QR decoder (zxing-cpp) reads the PNG back to exactly the payload."""
    zxingcpp = pytest.importorskip("zxingcpp")
    image_module = pytest.importorskip("PIL.Image")
    text = format_payload(issued.token, issued.proof())
    image = image_module.open(io.BytesIO(render_png(text, scale=4))).convert("L")
    results = zxingcpp.read_barcodes(image)
    assert [result.text for result in results] == [text]


def test_svg_is_an_svg_of_the_same_size(issued: Issued) -> None:
    """The SVG parses as XML, is an <svg> root, and has the PNG's width and height."""
    text = format_payload(issued.token, issued.proof())
    root = ET.fromstring(render_svg(text, scale=3, border=4))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    side = (17 + 4 * qr_version(text) + 2 * 4) * 3
    assert (float(root.attrib["width"]), float(root.attrib["height"])) == (side, side)

"""Why a presented pass was refused: one stable code per cause, with short gate-display texts.

The codes are part of the contract with gates, logs and dashboards: never rename or reuse one;
add new members instead. The texts are short because gate displays are small (≤ 24 characters).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

Language = Literal["it", "en"]


class Reason(StrEnum):
    """The cause of a rejection; the value is the stable wire code."""

    # The token's shape, checked before any cryptography.
    OVERSIZED = "oversized"
    TRUNCATED = "truncated"
    MALFORMED = "malformed"
    # The JOSE header (RFC 8725 §2.1, §3.1: the verifier, not the token, chooses the algorithm).
    ALG_NONE = "alg_none"
    ALG_NOT_ALLOWED = "alg_not_allowed"
    ALG_KEY_MISMATCH = "alg_key_mismatch"
    KEY_REFERENCE_HEADER = "key_reference_header"
    CRIT_HEADER = "crit_header"
    UNEXPECTED_HEADER = "unexpected_header"
    BAD_KID = "bad_kid"
    UNKNOWN_KID = "unknown_kid"
    KEY_RETIRED = "key_retired"
    # The signature and the claims it covers.
    BAD_SIGNATURE = "bad_signature"
    BAD_CLAIMS = "bad_claims"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    # The rotating proof of possession of the device key (RFC 7800 `cnf`).
    PROOF_MISSING = "proof_missing"
    PROOF_MALFORMED = "proof_malformed"
    PROOF_OTHER_PASS = "proof_other_pass"
    PROOF_STALE = "proof_stale"
    PROOF_EARLY = "proof_early"
    PROOF_BAD_SIGNATURE = "proof_bad_signature"
    # The gate's own state and configuration: what it knows beyond the token.
    REVOKED = "revoked"
    WRONG_OPERATOR = "wrong_operator"
    WRONG_GATE_ZONE = "wrong_gate_zone"
    ALREADY_USED = "already_used"
    PASSBACK = "passback"

    def display(self, language: Language = "it") -> str:
        """The short text a gate shows for this reason, in Italian (default) or English."""
        italian, english = _DISPLAY[self]
        return italian if language == "it" else english


# (Italian, English). A traveller reads these at the gate: say what to do, not what broke.
_DISPLAY: dict[Reason, tuple[str, str]] = {
    Reason.OVERSIZED: ("Codice non valido", "Invalid code"),
    Reason.TRUNCATED: ("Codice incompleto", "Incomplete code"),
    Reason.MALFORMED: ("Codice illeggibile", "Unreadable code"),
    Reason.ALG_NONE: ("Titolo non firmato", "Unsigned pass"),
    Reason.ALG_NOT_ALLOWED: ("Firma non ammessa", "Signature not allowed"),
    Reason.ALG_KEY_MISMATCH: ("Firma non ammessa", "Signature not allowed"),
    Reason.KEY_REFERENCE_HEADER: ("Titolo contraffatto", "Forged pass"),
    Reason.CRIT_HEADER: ("Titolo non supportato", "Unsupported pass"),
    Reason.UNEXPECTED_HEADER: ("Titolo non supportato", "Unsupported pass"),
    Reason.BAD_KID: ("Titolo contraffatto", "Forged pass"),
    Reason.UNKNOWN_KID: ("Chiave sconosciuta", "Unknown key"),
    Reason.KEY_RETIRED: ("Aggiorna il titolo", "Refresh your pass"),
    Reason.BAD_SIGNATURE: ("Titolo contraffatto", "Forged pass"),
    Reason.BAD_CLAIMS: ("Titolo non valido", "Invalid pass"),
    Reason.WRONG_ISSUER: ("Emittente errato", "Wrong issuer"),
    Reason.WRONG_AUDIENCE: ("Non valido qui", "Not valid here"),
    Reason.NOT_YET_VALID: ("Non ancora valido", "Not yet valid"),
    Reason.EXPIRED: ("Titolo scaduto", "Pass expired"),
    Reason.PROOF_MISSING: ("Apri il titolo nell'app", "Open the pass in the app"),
    Reason.PROOF_MALFORMED: ("Codice illeggibile", "Unreadable code"),
    Reason.PROOF_OTHER_PASS: ("Codice non corrisponde", "Code does not match"),
    Reason.PROOF_STALE: ("Codice scaduto, riprova", "Code expired, retry"),
    Reason.PROOF_EARLY: ("Controlla l'ora del tel.", "Check phone clock"),
    Reason.PROOF_BAD_SIGNATURE: ("Codice non valido", "Invalid code"),
    Reason.REVOKED: ("Titolo revocato", "Pass revoked"),
    Reason.WRONG_OPERATOR: ("Operatore non incluso", "Operator not covered"),
    Reason.WRONG_GATE_ZONE: ("Zona non inclusa", "Zone not covered"),
    Reason.ALREADY_USED: ("Titolo già utilizzato", "Pass already used"),
    Reason.PASSBACK: ("Ingresso già registrato", "Already entered"),
}

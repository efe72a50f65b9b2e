"""Errors of the ledger: a refused posting, a reference reused, an unknown account."""

from __future__ import annotations

from mobility.errors import Conflict, NotFound, ValidationFailed


class UnbalancedTransaction(ValidationFailed):
    type_slug = "ledger-unbalanced"
    title = "The postings of a ledger transaction do not sum to zero"


class InvalidPosting(ValidationFailed):
    type_slug = "ledger-invalid-posting"
    title = "A ledger posting is not valid"


class LedgerReferenceConflict(Conflict):
    type_slug = "ledger-reference-conflict"
    title = "This ledger reference was already posted with different postings"


class LedgerAccountNotFound(NotFound):
    type_slug = "ledger-account-not-found"
    title = "Ledger account not found"

"""The password policy and email normalisation: pure checks, no database."""

from __future__ import annotations

import pytest

from ticketing.accounts.errors import InvalidEmail, WeakPassword
from ticketing.accounts.policy import check_password_policy, normalise_password
from ticketing.accounts.service import check_rider_category, normalise_email


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short1!", "min-length"),
        ("x" * 1025, "max-length"),
        ("Anna.Rossi@Example.it", "is-email"),
        ("anna.rossi", "is-email"),
        ("Password123", "common"),
        ("QWERTYUIOP", "common"),
        ("abababababab", "common"),
    ],
)
def test_policy_rejects_each_rule(password: str, rule: str) -> None:
    """Each broken rule is named in the WeakPassword problem."""
    with pytest.raises(WeakPassword) as raised:
        check_password_policy(password, email="anna.rossi@example.it")
    assert raised.value.extensions["rule"] == rule


@pytest.mark.parametrize("password", ["correct horse battery", "Zq8!vLw2#pT", "ça fait très bien"])
def test_policy_accepts_long_uncommon_passwords(password: str) -> None:
    """Length and rarity suffice: no composition rules."""
    check_password_policy(password, email="anna.rossi@example.it")


def test_passwords_are_compared_in_nfkc() -> None:
    """A decomposed accent and full-width digits give the same password as their usual form."""
    assert normalise_password("cafe\u0301 \uff11\uff12\uff13") == normalise_password("café 123")


def test_email_is_normalised_and_case_folded_for_lookup() -> None:
    """The domain is lower-cased in the stored form; the lookup key folds the local part too."""
    normalised, key = normalise_email("  Anna.Rossi@EXAMPLE.it ")
    assert normalised == "Anna.Rossi@example.it"
    assert key == "anna.rossi@example.it"


@pytest.mark.parametrize("email", ["", "anna", "anna@", "@example.it", "a b@example.it"])
def test_malformed_email_is_refused(email: str) -> None:
    """Not an address: InvalidEmail (422)."""
    with pytest.raises(InvalidEmail):
        normalise_email(email)


@pytest.mark.parametrize("code", ["", "STU DENT", "x" * 33, "-STU"])
def test_rider_category_codes_are_checked(code: str) -> None:
    """A category code is a short identifier, never free text."""
    from mobility.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        check_rider_category(code)

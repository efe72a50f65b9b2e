"""Account services on both databases: registration, login, token sessions, eligibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from mobility.auth import passwords
from mobility.auth.access_tokens import verify_access_token
from mobility.auth.errors import Forbidden, InvalidCredentials
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.errors import ValidationFailed
from mobility.settings import get_settings
from ticketing.accounts import service
from ticketing.accounts.errors import (
    AccountNotFound,
    EmailAlreadyRegistered,
    InvalidLogin,
    InvalidRefreshToken,
    InvalidScope,
    RefreshTokenReused,
    WeakPassword,
)
from ticketing.accounts.models import Account, EligibilityStatus, RefreshToken
from ticketing.accounts.repository import AccountRepository

from .conftest import PASSWORD

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
STAFF = Principal(
    subject="staff-ATL",
    kind=PrincipalKind.OPERATOR_STAFF,
    scopes=frozenset({Scope.OPERATOR_MANAGE}),
    operator_id="ATL",
)


def make_account(session: Session, email: str = "anna@example.it") -> Account:
    return service.register(session, email, PASSWORD, "Anna Rossi", now=NOW)


def test_register_stores_normalised_email_and_an_argon2_hash(session: Session) -> None:
    """The account has an opaque id, the normalised email, and an Argon2id hash, not the
    password."""
    account = service.register(session, "Anna@EXAMPLE.it", PASSWORD, "  Anna   Rossi ", now=NOW)
    stored = session.get(Account, account.id)
    assert stored is not None
    assert stored.id.startswith("acc_")
    assert len(stored.id) == 24
    assert (stored.email, stored.email_key) == ("Anna@example.it", "anna@example.it")
    assert stored.display_name == "Anna Rossi"
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert stored.created_at == stored.updated_at == NOW
    assert stored.disabled_at is None


def test_duplicate_email_conflicts_whatever_its_case(session: Session) -> None:
    """A second account for the same address, in any case, is EmailAlreadyRegistered (409)."""
    make_account(session)
    with pytest.raises(EmailAlreadyRegistered) as raised:
        make_account(session, "ANNA@example.IT")
    assert raised.value.status == 409
    assert raised.value.type_uri().endswith("/email-already-registered")


def test_register_applies_the_password_policy(session: Session) -> None:
    """A weak password creates no account."""
    with pytest.raises(WeakPassword):
        service.register(session, "anna@example.it", "password123", "Anna")
    assert session.scalars(select(Account)).first() is None


def test_authenticate_accepts_the_password_in_any_email_case(session: Session) -> None:
    """The right password logs in, with the email typed in another case."""
    account = make_account(session)
    assert service.authenticate(session, " ANNA@example.it", PASSWORD).id == account.id


def test_bad_logins_fail_alike_and_unknown_emails_cost_a_verification(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wrong password, unknown email and malformed email give one error; the unknown ones
    spend a dummy Argon2 verification so timing does not tell them apart."""
    make_account(session)
    dummy_calls: list[None] = []
    real_dummy = service.dummy_verify
    monkeypatch.setattr(service, "dummy_verify", lambda: dummy_calls.append(real_dummy()))
    errors = []
    for email, password in [
        ("anna@example.it", "wrong password here"),
        ("nobody@example.it", PASSWORD),
        ("not an email", PASSWORD),
    ]:
        with pytest.raises(InvalidLogin) as raised:
            service.authenticate(session, email, password)
        errors.append(raised.value.to_problem())
    assert errors[0] == errors[1] == errors[2]
    assert errors[0]["status"] == 401
    assert len(dummy_calls) == 2


def test_disabled_account_cannot_log_in_or_refresh(session: Session) -> None:
    """Disabling revokes the account's refresh tokens and refuses the right password."""
    account = make_account(session)
    pair = service.issue_session(session, account, now=NOW)
    service.disable_account(session, account.id, now=NOW)
    with pytest.raises(InvalidLogin):
        service.authenticate(session, "anna@example.it", PASSWORD)
    with pytest.raises(InvalidRefreshToken):
        service.refresh(session, pair.refresh_token, now=NOW)
    with pytest.raises(AccountNotFound):
        service.get_account(session, account.id)


def test_login_upgrades_a_hash_made_with_older_parameters(session: Session) -> None:
    """A hash with weaker Argon2 parameters is replaced by today's on a successful login."""
    account = make_account(session)
    weak = Argon2Hasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    account.password_hash = weak
    session.flush()
    assert passwords.needs_rehash(weak)
    service.authenticate(session, "anna@example.it", PASSWORD, now=NOW + timedelta(days=1))
    assert account.password_hash != weak
    assert not passwords.needs_rehash(account.password_hash)
    assert account.updated_at == NOW + timedelta(days=1)


def test_access_token_names_the_traveller_with_their_scopes_and_ttl(session: Session) -> None:
    """The access token's subject is the account id, kind traveller, the four traveller
    scopes, and it lives access_token_ttl_s."""
    account = make_account(session)
    now = datetime.now(UTC)
    pair = service.issue_session(session, account, now=now)
    ttl = get_settings().access_token_ttl_s
    assert pair.expires_in == ttl
    principal = verify_access_token(pair.access_token)
    assert principal.subject == account.id
    assert principal.kind is PrincipalKind.TRAVELLER
    assert principal.scopes == {"account:read", "orders:read", "orders:write", "passes:read"}
    claims = jwt.decode(pair.access_token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == ttl
    with pytest.raises(InvalidCredentials, match="expired"):
        verify_access_token(pair.access_token, now=now + timedelta(seconds=ttl + 10))


def test_only_the_hash_of_a_refresh_token_is_stored(session: Session) -> None:
    """The row has SHA-256 of the secret and the refresh TTL; the secret itself is nowhere."""
    account = make_account(session)
    pair = service.issue_session(session, account, now=NOW)
    prefix, token_id, secret = pair.refresh_token.split("_", 2)
    assert prefix == "rt"
    row = session.get(RefreshToken, token_id)
    assert row is not None
    assert secret not in (row.token_hash, row.id, row.family_id)
    assert len(row.token_hash) == 64
    assert row.expires_at == NOW + timedelta(seconds=get_settings().refresh_token_ttl_s)
    assert (row.used_at, row.revoked_at) == (None, None)


def test_refresh_rotates_within_the_family(session: Session) -> None:
    """Each refresh marks the old token used and returns a new one of the same family."""
    account = make_account(session)
    first = service.issue_session(session, account, now=NOW)
    second = service.refresh(session, first.refresh_token, now=NOW + timedelta(minutes=20))
    third = service.refresh(session, second.refresh_token, now=NOW + timedelta(minutes=40))
    ids = [p.refresh_token.split("_", 2)[1] for p in (first, second, third)]
    rows = [session.get(RefreshToken, i) for i in ids]
    assert all(r is not None for r in rows)
    assert len({r.family_id for r in rows if r}) == 1
    assert [r.used_at for r in rows if r] == [
        NOW + timedelta(minutes=20),
        NOW + timedelta(minutes=40),
        None,
    ]
    later = NOW + timedelta(minutes=40)
    assert verify_access_token(third.access_token, now=later).subject == account.id


def test_reusing_a_refresh_token_revokes_the_whole_family(session: Session) -> None:
    """A used token presented again revokes every token of its family, the newest too, and
    leaves the account's other sessions alone."""
    account = make_account(session)
    first = service.issue_session(session, account, now=NOW)
    other_device = service.issue_session(session, account, now=NOW)
    second = service.refresh(session, first.refresh_token, now=NOW + timedelta(minutes=1))
    with pytest.raises(RefreshTokenReused):
        service.refresh(session, first.refresh_token, now=NOW + timedelta(minutes=2))
    with pytest.raises(InvalidRefreshToken):
        service.refresh(session, second.refresh_token, now=NOW + timedelta(minutes=3))
    assert service.refresh(session, other_device.refresh_token, now=NOW + timedelta(minutes=3))


def test_marking_used_is_atomic(session: Session) -> None:
    """Of two refreshes racing on one token, only one marks it used."""
    account = make_account(session)
    pair = service.issue_session(session, account, now=NOW)
    token_id = pair.refresh_token.split("_", 2)[1]
    repo = AccountRepository(session)
    assert repo.mark_used(token_id, NOW) is True
    assert repo.mark_used(token_id, NOW) is False


@pytest.mark.parametrize(
    "presented",
    ["", "rt_nothing", "rt_0123456789abcdef_" + "A" * 43, "mob_0123456789abcdef_" + "A" * 43],
)
def test_malformed_or_unknown_refresh_tokens_are_invalid(session: Session, presented: str) -> None:
    """Anything that is not one of our refresh tokens is InvalidRefreshToken (401)."""
    with pytest.raises(InvalidRefreshToken):
        service.refresh(session, presented, now=NOW)


def test_a_wrong_secret_does_not_refresh(session: Session) -> None:
    """The id of a real token with another secret is refused, and does not burn the token."""
    account = make_account(session)
    pair = service.issue_session(session, account, now=NOW)
    token_id = pair.refresh_token.split("_", 2)[1]
    with pytest.raises(InvalidRefreshToken):
        service.refresh(session, f"rt_{token_id}_" + "B" * 43, now=NOW)
    assert service.refresh(session, pair.refresh_token, now=NOW)


def test_expired_refresh_token_is_refused(session: Session) -> None:
    """Past refresh_token_ttl_s the token no longer refreshes."""
    account = make_account(session)
    pair = service.issue_session(session, account, now=NOW)
    later = NOW + timedelta(seconds=get_settings().refresh_token_ttl_s + 1)
    with pytest.raises(InvalidRefreshToken, match="expired"):
        service.refresh(session, pair.refresh_token, now=later)


def test_logout_revokes_the_family(session: Session) -> None:
    """After logout neither the presented token nor its successors refresh; a foreign token
    logs nothing out."""
    account = make_account(session)
    first = service.issue_session(session, account, now=NOW)
    second = service.refresh(session, first.refresh_token, now=NOW)
    assert service.logout(session, first.refresh_token, now=NOW) is True
    with pytest.raises(InvalidRefreshToken):
        service.refresh(session, second.refresh_token, now=NOW)
    assert service.logout(session, "rt_garbage", now=NOW) is False


def test_scope_can_be_narrowed_but_never_widened(session: Session) -> None:
    """A login may ask for fewer scopes; its refreshes keep at most those; more is InvalidScope."""
    account = make_account(session)
    pair = service.issue_session(session, account, scope="account:read passes:read", now=NOW)
    scopes = verify_access_token(pair.access_token, now=NOW).scopes
    assert scopes == {"account:read", "passes:read"}
    with pytest.raises(InvalidScope):
        service.refresh(session, pair.refresh_token, scope="orders:write", now=NOW)
    with pytest.raises(InvalidScope):
        service.issue_session(session, account, scope="admin", now=NOW)
    narrower = service.refresh(session, pair.refresh_token, scope="passes:read", now=NOW)
    assert narrower.scope == "passes:read"


def test_eligibility_needs_verification_and_lapses_at_expiry(session: Session) -> None:
    """A request alone grants nothing; a verification grants the category until expires_at;
    after that it may be requested again and is pending."""
    account = make_account(session)
    claim, filed = service.request_eligibility(session, account.id, "STU", note="tessera", now=NOW)
    assert filed
    assert claim.status is EligibilityStatus.PENDING
    assert service.eligible_categories(session, account.id, NOW) == frozenset()
    until = NOW + timedelta(days=120)
    service.decide_eligibility(
        session, account.id, "STU", verifier=STAFF, expires_at=until, now=NOW + timedelta(hours=1)
    )
    assert service.eligible_categories(session, account.id, NOW) == frozenset()  # not yet
    assert service.eligible_categories(session, account.id, NOW + timedelta(days=1)) == {"STU"}
    assert service.eligible_categories(session, account.id, until) == frozenset()
    again, filed = service.request_eligibility(session, account.id, "STU", now=until)
    assert filed
    assert again.status is EligibilityStatus.PENDING
    assert again.verified_by is None


def test_a_current_verification_stands_when_requested_again(session: Session) -> None:
    """Requesting a verified category again changes nothing; a pending one takes the new note."""
    account = make_account(session)
    service.request_eligibility(session, account.id, "SEN", now=NOW)
    claim, filed = service.request_eligibility(session, account.id, "SEN", note="CI", now=NOW)
    assert not filed
    assert claim.note == "CI"
    service.decide_eligibility(session, account.id, "SEN", verifier=STAFF, now=NOW)
    claim, filed = service.request_eligibility(session, account.id, "SEN", now=NOW)
    assert not filed
    assert claim.status is EligibilityStatus.VERIFIED
    assert claim.verified_by == "staff-ATL"


def test_rejection_grants_nothing_and_staff_may_verify_at_the_desk(session: Session) -> None:
    """A rejected claim is not eligible; staff may verify a category nobody requested."""
    account = make_account(session)
    service.request_eligibility(session, account.id, "STU", now=NOW)
    service.decide_eligibility(
        session, account.id, "STU", verifier=STAFF, approve=False, note="scaduta", now=NOW
    )
    service.decide_eligibility(session, account.id, "RES", verifier=STAFF, now=NOW)
    assert service.eligible_categories(session, account.id, NOW) == {"RES"}
    states = {c.rider_category: c.status for c in service.list_eligibility(session, account.id)}
    assert states == {"RES": EligibilityStatus.VERIFIED, "STU": EligibilityStatus.REJECTED}


def test_verification_checks_its_inputs(session: Session) -> None:
    """An expiry in the past, a traveller as verifier, an unknown account are refused."""
    account = make_account(session)
    with pytest.raises(ValidationFailed):
        service.decide_eligibility(
            session, account.id, "STU", verifier=STAFF, expires_at=NOW, now=NOW
        )
    traveller = service.traveller_principal(account)
    with pytest.raises(Forbidden):
        service.decide_eligibility(session, account.id, "STU", verifier=traveller, now=NOW)
    with pytest.raises(AccountNotFound):
        service.decide_eligibility(session, "acc_nobody", "STU", verifier=STAFF, now=NOW)


def test_disabled_account_has_no_eligible_categories(session: Session) -> None:
    """Disabling an account withdraws its reduced fares."""
    account = make_account(session)
    service.decide_eligibility(session, account.id, "STU", verifier=STAFF, now=NOW)
    service.disable_account(session, account.id, now=NOW + timedelta(days=1))
    assert service.eligible_categories(session, account.id, NOW + timedelta(days=2)) == set()
    assert service.eligible_categories(session, "acc_unknown", NOW) == set()


def test_purge_deletes_only_expired_refresh_tokens(session: Session) -> None:
    """The purge keeps live tokens."""
    account = make_account(session)
    old = service.issue_session(session, account, now=NOW - timedelta(days=400))
    live = service.issue_session(session, account, now=NOW)
    assert service.purge_expired_refresh_tokens(session, NOW) == 1
    assert session.get(RefreshToken, old.refresh_token.split("_", 2)[1]) is None
    assert session.get(RefreshToken, live.refresh_token.split("_", 2)[1]) is not None

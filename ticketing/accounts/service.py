"""Traveller accounts: registration, login, token sessions with rotating refresh tokens,
proof of eligibility for reduced-fare rider categories. Functions take the session and never
commit (the request dependency does).

A refresh token reads `rt_<id>_<secret>`: the id finds the row, the secret (32 random bytes)
proves possession, and only its SHA-256 is stored (a 256-bit secret needs no stretching).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, NoReturn

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from mobility.auth.access_tokens import AccessTokenConfig, issue_access_token
from mobility.auth.errors import Forbidden
from mobility.auth.passwords import dummy_verify, hash_password, verify_and_update
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.errors import ValidationFailed
from mobility.settings import get_settings

from .access import ensure_own_account, is_staff
from .errors import (
    AccountNotFound,
    EligibilityNotFound,
    EmailAlreadyRegistered,
    InvalidEmail,
    InvalidLogin,
    InvalidRefreshToken,
    InvalidScope,
    RefreshTokenReused,
)
from .models import Account, AccountEligibility, EligibilityStatus, RefreshToken
from .policy import check_password_policy, normalise_password
from .repository import AccountRepository

__all__ = [
    "TRAVELLER_SCOPES",
    "TokenPair",
    "authenticate",
    "check_rider_category",
    "decide_eligibility",
    "disable_account",
    "eligible_categories",
    "ensure_own_account",
    "get_account",
    "get_eligibility",
    "issue_session",
    "list_eligibility",
    "logout",
    "normalise_email",
    "pending_eligibility",
    "purge_expired_refresh_tokens",
    "refresh",
    "register",
    "request_eligibility",
    "revoke_all_sessions",
    "traveller_principal",
]

log = logging.getLogger(__name__)

# What a traveller's login grants; a token request may ask for fewer (RFC 6749 §3.3).
TRAVELLER_SCOPES: frozenset[str] = frozenset(
    {Scope.ACCOUNT_READ, Scope.ORDERS_READ, Scope.ORDERS_WRITE, Scope.PASSES_READ}
)
REFRESH_PREFIX = "rt_"
_REFRESH_PATTERN = re.compile(r"rt_(?P<id>[0-9a-f]{16})_(?P<secret>[A-Za-z0-9_-]{43})")
_CATEGORY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
MAX_EMAIL_CHARS = 320
MAX_NOTE_CHARS = 2000


class TokenPair(NamedTuple):
    """What a login or refresh returns: the bearer access token, its lifetime in seconds, the
    next refresh token (shown once, never stored) and the granted scopes, space-separated."""

    access_token: str
    refresh_token: str
    expires_in: int
    scope: str


def _now(now: datetime | None) -> datetime:
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give times in UTC")
    return moment


# -- accounts -------------------------------------------------------------------------------


def normalise_email(email: str) -> tuple[str, str]:
    """(normalised address, case-folded lookup key); InvalidEmail (422) if it is not one.

    Syntax only: whether the mailbox exists is a confirmation mail's question, not ours.
    """
    if not isinstance(email, str) or len(email) > MAX_EMAIL_CHARS:
        raise InvalidEmail("the email address is too long")
    try:
        normalised = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from exc
    return normalised, normalised.casefold()


def check_rider_category(code: str) -> str:
    """A rider category code as the catalogue writes them; ValidationFailed otherwise."""
    if not isinstance(code, str) or not _CATEGORY_PATTERN.fullmatch(code):
        raise ValidationFailed(f"{str(code)[:40]!r} is not a rider category code")
    return code


def register(
    session: Session,
    email: str,
    password: str,
    display_name: str,
    *,
    rider_category: str | None = None,
    now: datetime | None = None,
) -> Account:
    """Create a traveller account (flushed); EmailAlreadyRegistered (409) if the email is taken,
    InvalidEmail or WeakPassword (422) if the input breaks the rules."""
    repo = AccountRepository(session)
    moment = _now(now)
    normalised, email_key = normalise_email(email)
    check_password_policy(password, email=normalised)
    name = " ".join(display_name.split())
    if not name or len(name) > 200:
        raise ValidationFailed("the display name must have 1 to 200 characters")
    if rider_category is not None:
        check_rider_category(rider_category)
    if repo.by_email_key(email_key) is not None:
        raise EmailAlreadyRegistered("an account with this email already exists")
    account = Account(
        id="acc_" + secrets.token_hex(10),
        email=normalised,
        email_key=email_key,
        password_hash=hash_password(normalise_password(password)),
        display_name=name,
        rider_category=rider_category,
        created_at=moment,
        updated_at=moment,
    )
    # Two registrations racing past the check above meet the unique constraint: the loser's
    # flush raises IntegrityError, a 500 at worst and never a second account.
    return repo.add(account)


def authenticate(
    session: Session, email: str, password: str, *, now: datetime | None = None
) -> Account:
    """The account whose email and password these are; InvalidLogin (401) otherwise, with the
    same message and about the same time whether or not the email has an account."""
    repo = AccountRepository(session)
    try:
        _, email_key = normalise_email(email)
    except InvalidEmail:
        email_key = None
    account = repo.by_email_key(email_key) if email_key else None
    if account is None:
        dummy_verify()
        raise InvalidLogin()
    matches, new_hash = verify_and_update(normalise_password(password), account.password_hash)
    if not matches or account.disabled_at is not None:
        raise InvalidLogin()
    if new_hash is not None:  # hashing parameters moved on: store the stronger hash
        account.password_hash = new_hash
        account.updated_at = _now(now)
        repo.session.flush()
    return account


def get_account(session: Session, account_id: str) -> Account:
    """The enabled account `account_id`; AccountNotFound (404) if there is none."""
    account = AccountRepository(session).get(account_id)
    if account is None or account.disabled_at is not None:
        raise AccountNotFound(f"no account {account_id!r}")
    return account


def disable_account(session: Session, account_id: str, *, now: datetime | None = None) -> Account:
    """Disable an account: no more logins, every refresh token revoked."""
    repo = AccountRepository(session)
    moment = _now(now)
    account = get_account(session, account_id)
    account.disabled_at = account.updated_at = moment
    repo.revoke_account_tokens(account.id, moment)
    repo.session.flush()
    return account


# -- token sessions -------------------------------------------------------------------------


def traveller_principal(account: Account, scopes: Iterable[str] = TRAVELLER_SCOPES) -> Principal:
    """The principal an access token of this account names."""
    return Principal(
        subject=account.id, kind=PrincipalKind.TRAVELLER, scopes=frozenset(map(str, scopes))
    )


def _granted(requested: str | None, allowed: frozenset[str]) -> frozenset[str]:
    if requested is None or not requested.strip():
        return allowed
    asked = frozenset(requested.split())
    if extra := asked - allowed:
        raise InvalidScope(f"scopes not available to this grant: {' '.join(sorted(extra))}")
    return asked


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_refresh_token(
    repo: AccountRepository, account_id: str, family_id: str, scopes: frozenset[str], at: datetime
) -> str:
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    repo.session.add(
        RefreshToken(
            id=token_id,
            account_id=account_id,
            family_id=family_id,
            token_hash=_hash_secret(secret),
            scopes=" ".join(sorted(scopes)),
            issued_at=at,
            expires_at=at + timedelta(seconds=get_settings().refresh_token_ttl_s),
        )
    )
    repo.session.flush()
    return f"{REFRESH_PREFIX}{token_id}_{secret}"


def _pair(
    repo: AccountRepository,
    account: Account,
    family_id: str,
    scopes: frozenset[str],
    at: datetime,
) -> TokenPair:
    config = AccessTokenConfig.from_settings()
    access = issue_access_token(traveller_principal(account, scopes), config=config, now=at)
    refresh_token = _new_refresh_token(repo, account.id, family_id, scopes, at)
    return TokenPair(access, refresh_token, config.ttl_s, " ".join(sorted(scopes)))


def issue_session(
    session: Session,
    account: Account,
    *,
    scope: str | None = None,
    now: datetime | None = None,
) -> TokenPair:
    """Start a login session: an access token and the first refresh token of a new family.
    `scope` (space-separated) narrows the grant; InvalidScope (400) if it asks for more."""
    repo = AccountRepository(session)
    granted = _granted(scope, TRAVELLER_SCOPES)
    return _pair(repo, account, secrets.token_hex(8), granted, _now(now))


def _parse_refresh_token(presented: str) -> tuple[str, str]:
    match = _REFRESH_PATTERN.fullmatch(presented.strip()) if isinstance(presented, str) else None
    if match is None:
        raise InvalidRefreshToken()
    return match["id"], match["secret"]


def _find_refresh_token(repo: AccountRepository, presented: str) -> RefreshToken:
    token_id, secret = _parse_refresh_token(presented)
    token = repo.refresh_token(token_id)
    if token is None or not hmac.compare_digest(_hash_secret(secret), token.token_hash):
        raise InvalidRefreshToken()
    return token


def _revoke_replayed_family(repo: AccountRepository, token: RefreshToken, at: datetime) -> NoReturn:
    revoked = repo.revoke_family(token.family_id, at)
    log.warning(
        "refresh token reuse on family %s of account %s: %d tokens revoked",
        token.family_id,
        token.account_id,
        revoked,
    )
    raise RefreshTokenReused(token.family_id)


def refresh(
    session: Session,
    presented: str,
    *,
    scope: str | None = None,
    now: datetime | None = None,
) -> TokenPair:
    """Rotate: mark the presented refresh token used and issue a new pair in its family.

    InvalidRefreshToken (401) for a malformed, unknown, expired or revoked token. A token that
    was already used is a replay (one of two holders is an attacker, and we cannot tell which):
    the whole family is revoked and RefreshTokenReused (401) raised. The revocation is flushed
    in `session`; the caller must commit it even though the request fails.
    """
    repo = AccountRepository(session)
    moment = _now(now)
    token = _find_refresh_token(repo, presented)
    if token.revoked_at is not None:
        raise InvalidRefreshToken()
    if token.used_at is not None:
        _revoke_replayed_family(repo, token, moment)
    if token.expires_at <= moment:
        raise InvalidRefreshToken("the refresh token has expired")
    account = repo.get(token.account_id)
    if account is None or account.disabled_at is not None:
        repo.revoke_family(token.family_id, moment)
        raise InvalidRefreshToken()
    granted = _granted(scope, frozenset(token.scopes.split()))
    if not repo.mark_used(token.id, moment):
        # A concurrent request used it a moment ago: a second use all the same.
        _revoke_replayed_family(repo, token, moment)
    return _pair(repo, account, token.family_id, granted, moment)


def logout(session: Session, presented: str, *, now: datetime | None = None) -> bool:
    """End the login session of a refresh token (its whole family); False if the token is not
    one of ours (RFC 7009 §2.2: the caller answers the same either way)."""
    repo = AccountRepository(session)
    try:
        token = _find_refresh_token(repo, presented)
    except InvalidRefreshToken:
        return False
    repo.revoke_family(token.family_id, _now(now))
    return True


def revoke_all_sessions(session: Session, account_id: str, *, now: datetime | None = None) -> int:
    """Revoke every refresh token of an account (logout everywhere); the number revoked."""
    return AccountRepository(session).revoke_account_tokens(account_id, _now(now))


def purge_expired_refresh_tokens(session: Session, before: datetime) -> int:
    """Delete refresh tokens that expired before `before` (a daily job); the number deleted."""
    return AccountRepository(session).delete_refresh_tokens_expired_before(_now(before))


# -- proof of eligibility -------------------------------------------------------------------


def _note(note: str | None) -> str | None:
    if note is None or not note.strip():
        return None
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationFailed(f"the note may have at most {MAX_NOTE_CHARS} characters")
    return note.strip()


def _is_current(claim: AccountEligibility, at: datetime) -> bool:
    return (
        claim.status is EligibilityStatus.VERIFIED
        and claim.verified_at is not None
        and claim.verified_at <= at
        and (claim.expires_at is None or claim.expires_at > at)
    )


def request_eligibility(
    session: Session,
    account_id: str,
    rider_category: str,
    *,
    note: str | None = None,
    now: datetime | None = None,
) -> tuple[AccountEligibility, bool]:
    """Ask staff to verify the account's right to `rider_category`; (claim, True if a new
    request was filed). A pending claim takes the new note; a current verification stands
    unchanged; a rejected or expired claim becomes pending again."""
    repo = AccountRepository(session)
    moment = _now(now)
    get_account(session, account_id)
    check_rider_category(rider_category)
    text = _note(note)
    claim = repo.eligibility(account_id, rider_category)
    if claim is None:
        claim = AccountEligibility(
            account_id=account_id,
            rider_category=rider_category,
            status=EligibilityStatus.PENDING,
            note=text,
            requested_at=moment,
        )
        repo.session.add(claim)
        repo.session.flush()
        return claim, True
    if claim.status is EligibilityStatus.PENDING:
        if text is not None:
            claim.note = text
            repo.session.flush()
        return claim, False
    if _is_current(claim, moment):
        return claim, False
    claim.status = EligibilityStatus.PENDING
    claim.note, claim.requested_at = text, moment
    claim.verified_by = claim.verified_at = claim.expires_at = claim.decision_note = None
    repo.session.flush()
    return claim, True


def decide_eligibility(
    session: Session,
    account_id: str,
    rider_category: str,
    *,
    verifier: Principal,
    approve: bool = True,
    expires_at: datetime | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> AccountEligibility:
    """Staff verify (or reject) the account's right to `rider_category`, until `expires_at`
    (None: no end). Staff at a desk may verify without a prior request. The caller checks
    that `verifier` may (see access.ensure_eligibility_verifier)."""
    repo = AccountRepository(session)
    moment = _now(now)
    get_account(session, account_id)
    check_rider_category(rider_category)
    if not is_staff(verifier):
        raise Forbidden("only staff verify proof of eligibility")
    if approve and expires_at is not None and _now(expires_at) <= moment:
        raise ValidationFailed("expires_at must lie in the future")
    claim = repo.eligibility(account_id, rider_category)
    if claim is None:
        claim = AccountEligibility(
            account_id=account_id, rider_category=rider_category, requested_at=moment
        )
        repo.session.add(claim)
    claim.status = EligibilityStatus.VERIFIED if approve else EligibilityStatus.REJECTED
    claim.verified_by = verifier.subject[:128]
    claim.verified_at = moment
    claim.expires_at = expires_at if approve else None
    claim.decision_note = _note(note)
    repo.session.flush()
    return claim


def list_eligibility(session: Session, account_id: str) -> Sequence[AccountEligibility]:
    """Every eligibility claim of the account, by category."""
    repo = AccountRepository(session)
    get_account(session, account_id)
    return repo.eligibilities(account_id)


def pending_eligibility(session: Session, *, limit: int = 100) -> Sequence[AccountEligibility]:
    """The staff's queue: pending claims, oldest first."""
    return AccountRepository(session).pending_eligibilities(limit)


def get_eligibility(session: Session, account_id: str, rider_category: str) -> AccountEligibility:
    """The account's claim to `rider_category`; EligibilityNotFound (404) if it made none."""
    claim = AccountRepository(session).eligibility(account_id, rider_category)
    if claim is None:
        raise EligibilityNotFound(f"no claim to {rider_category!r}")
    return claim


def eligible_categories(session: Session, account_id: str, at: datetime) -> frozenset[str]:
    """The requires-proof rider categories the account may buy at `at`: verified, not expired.
    A disabled or unknown account has none."""
    repo = AccountRepository(session)
    account = repo.get(account_id)
    if account is None or account.disabled_at is not None:
        return frozenset()
    return frozenset(repo.verified_categories(account_id, _now(at)))

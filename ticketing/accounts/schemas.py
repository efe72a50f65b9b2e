"""Request and response bodies of the account and auth endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from .models import Account, AccountEligibility, EligibilityStatus

# Bounds on untrusted input before any work; the service checks the content.
Email = Annotated[str, Field(min_length=3, max_length=320, examples=["anna@example.it"])]
Password = Annotated[str, Field(min_length=1, max_length=1024)]
Category = Annotated[str, Field(min_length=1, max_length=32, examples=["STU"])]
Note = Annotated[str, Field(max_length=2000)]
ScopeText = Annotated[
    str, Field(max_length=500, description="Space-separated scopes, fewer than granted")
]


class RegisterIn(BaseModel):
    email: Email
    password: Password
    display_name: str = Field(min_length=1, max_length=200)
    rider_category: Category | None = None


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    display_name: str
    rider_category: str | None
    created_at: datetime

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        return cls.model_validate(account)


class PasswordGrant(BaseModel):
    """Log in with email and password (RFC 6749 §4.3, as JSON)."""

    grant_type: Literal["password"]
    email: Email
    password: Password
    scope: ScopeText | None = None


class RefreshGrant(BaseModel):
    """Exchange a refresh token for a new pair (RFC 6749 §6, rotating)."""

    grant_type: Literal["refresh_token"]
    refresh_token: str = Field(min_length=1, max_length=200)
    scope: ScopeText | None = None


TokenRequest = Annotated[PasswordGrant | RefreshGrant, Field(discriminator="grant_type")]


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds the access token is valid")
    refresh_token: str = Field(description="Single use: each refresh returns the next one")
    scope: str


class LogoutIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class EligibilityRequestIn(BaseModel):
    rider_category: Category
    note: Note | None = Field(
        default=None, description="For staff: which document proves it, where to find it"
    )


class EligibilityDecisionIn(BaseModel):
    decision: Literal["verified", "rejected"] = "verified"
    expires_at: AwareDatetime | None = Field(
        default=None, description="When the proof stops counting (e.g. the end of term)"
    )
    note: Note | None = None


class EligibilityOut(BaseModel):
    account_id: str
    rider_category: str
    status: EligibilityStatus
    note: str | None
    requested_at: datetime
    verified_by: str | None = Field(description="The deciding staff member (staff only)")
    verified_at: datetime | None
    expires_at: datetime | None
    decision_note: str | None

    @classmethod
    def of(cls, claim: AccountEligibility, *, for_staff: bool) -> EligibilityOut:
        return cls(
            account_id=claim.account_id,
            rider_category=claim.rider_category,
            status=claim.status,
            note=claim.note,
            requested_at=claim.requested_at,
            verified_by=claim.verified_by if for_staff else None,
            verified_at=claim.verified_at,
            expires_at=claim.expires_at,
            decision_note=claim.decision_note,
        )

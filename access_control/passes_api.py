"""A traveller's pass as the gates see it: a signed token, and that token as a QR code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from access_control.errors import SigningKeyUnavailable
from access_control.keyring_provider import configured_keyring
from access_control.pass_tokens import MintedToken, PassNotUsable, mint_token
from access_control.proof import PROOF_CHARS
from access_control.qr import QrPayload, render_png, render_svg
from mobility.auth.deps import require_scopes
from mobility.auth.principals import Principal, Scope
from mobility.deps import SessionDep
from mobility.errors import ValidationFailed
from mobility.problems import problem_responses
from mobility.settings import get_settings
from ticketing.errors import PassNotFound
from ticketing.passes.visibility import owned_pass

router = APIRouter(tags=["passes"])
PassReader = Annotated[Principal, Depends(require_scopes(Scope.PASSES_READ))]
_ERRORS = problem_responses(PassNotFound, PassNotUsable, SigningKeyUnavailable)


class PassTokenOut(BaseModel):
    token: str = Field(description="Compact JWS; show it with a fresh device proof, `token~proof`")
    jti: str
    kid: str
    expires_at: datetime


def _mint(
    session: SessionDep, principal: Principal, pass_id: str, reuse_jti: str | None = None
) -> MintedToken:
    item = owned_pass(session, principal, pass_id, holder_only=True)
    return mint_token(
        session,
        item,
        configured_keyring(),
        get_settings(),
        datetime.now(UTC),
        reuse_jti=reuse_jti,
    )


@router.get("/passes/{pass_id}/token", response_model=PassTokenOut, responses=_ERRORS)
def get_pass_token(pass_id: str, session: SessionDep, principal: PassReader) -> Response:
    """A signed token of one of your passes, for the app to show with its rotating proof."""
    minted = _mint(session, principal, pass_id)
    body = PassTokenOut(
        token=minted.token, jti=minted.jti, kid=minted.kid, expires_at=minted.expires_at
    )
    # A bearer credential until its proof expires: no cache may keep it.
    return Response(
        body.model_dump_json(), media_type="application/json", headers={"Cache-Control": "no-store"}
    )


@router.get(
    "/passes/{pass_id}/qr",
    responses={
        200: {"content": {"image/png": {}, "image/svg+xml": {}}, "description": "The QR code"},
        **_ERRORS,
        **problem_responses(ValidationFailed),
    },
)
def get_pass_qr(
    pass_id: str,
    session: SessionDep,
    principal: PassReader,
    image: Annotated[Literal["png", "svg"], Query(alias="format")] = "svg",
    jti: Annotated[
        str | None, Query(max_length=64, description="A token's jti from GET .../token")
    ] = None,
    proof: Annotated[
        str | None,
        Query(
            max_length=PROOF_CHARS,
            description="The app's current device proof of that "
            "jti; without one the code holds the token alone, which gates refuse",
        ),
    ] = None,
    scale: Annotated[int, Query(ge=1, le=20)] = 4,
) -> Response:
    """The pass as a QR code (PNG or SVG): `token~proof` when given the jti and its proof."""
    if (jti is None) != (proof is None):
        raise ValidationFailed("give both jti and proof, or neither")
    minted = _mint(session, principal, pass_id, reuse_jti=jti)
    text = minted.token if proof is None else QrPayload(minted.token, proof).encode()
    if image == "png":
        return Response(
            render_png(text, scale=scale),
            media_type="image/png",
            headers={"Cache-Control": "no-store", "X-Pass-Token-Jti": minted.jti},
        )
    return Response(
        render_svg(text, scale=scale),
        media_type="image/svg+xml",
        headers={"Cache-Control": "no-store", "X-Pass-Token-Jti": minted.jti},
    )

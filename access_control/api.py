"""Access-control endpoints: the public keys gates verify pass tokens with."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi import APIRouter, Response

from access_control.errors import KeyRingInvalid, SigningKeyUnavailable
from access_control.keyring_provider import configured_keyring
from mobility.problems import problem_responses

router = APIRouter(tags=["access control"])

JWKS_MEDIA_TYPE = "application/jwk-set+json"


@router.get(
    "/keys",
    responses={
        200: {
            "description": "JWK Set (RFC 7517) of every key a valid pass may be signed with",
            "content": {JWKS_MEDIA_TYPE: {}},
        },
        **problem_responses(SigningKeyUnavailable, KeyRingInvalid),
    },
)
def get_keys() -> Response:
    """Public pass-signing keys as a JWK Set, including keys scheduled to activate soon."""
    jwks = configured_keyring().jwks(datetime.now(UTC))
    # Gates poll this; five minutes of caching keeps a rotation announced ahead of time in reach.
    return Response(
        json.dumps(jwks),
        media_type=JWKS_MEDIA_TYPE,
        headers={"Cache-Control": "public, max-age=300"},
    )

"""A traveller's passes (the gate token and QR code are served by access control)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from mobility.auth.deps import require_scopes
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.deps import SessionDep
from mobility.problems import problem_responses
from ticketing.errors import PassNotFound
from ticketing.passes import service
from ticketing.passes.models import Pass
from ticketing.passes.schemas import PassOut
from ticketing.passes.visibility import owned_pass

router = APIRouter(tags=["passes"])
PassReader = Annotated[Principal, Depends(require_scopes(Scope.PASSES_READ))]


def pass_out(item: Pass) -> PassOut:
    return PassOut(
        id=item.id,
        order_id=item.order_id,
        product_id=item.product_id,
        product_kind=item.product_kind,
        rider_category=item.rider_category_id,
        operators=list(item.codes("operators")),
        networks=list(item.codes("networks")),
        zones=list(item.codes("zones")),
        valid_from=item.valid_from,
        valid_until=item.valid_until,
        single_use=item.single_use,
        rides_total=item.rides_total,
        status=item.status,
        price=item.amount,
        currency=item.currency,
    )


@router.get("/passes", response_model=list[PassOut])
def list_passes(
    session: SessionDep,
    principal: PassReader,
    active: Annotated[bool, Query(description="Only passes valid now")] = False,
) -> list[PassOut]:
    """The caller's own passes."""
    if principal.kind is not PrincipalKind.TRAVELLER:
        return []
    at = datetime.now(UTC) if active else None
    return [
        pass_out(p) for p in service.passes_of_account(session, principal.subject, active_at=at)
    ]


@router.get("/passes/{pass_id}", response_model=PassOut, responses=problem_responses(PassNotFound))
def get_pass(pass_id: str, session: SessionDep, principal: PassReader) -> PassOut:
    """One of the caller's passes."""
    return pass_out(owned_pass(session, principal, pass_id))

"""HTTP routes of ticketing.catalogue: the published tariff catalogue, and the congestion
bands traffic planners set."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from mobility.auth.deps import CurrentPrincipal
from mobility.auth.errors import AnyScopeRequired, Unauthorized
from mobility.auth.principals import Scope
from mobility.deps import SessionDep
from mobility.problems import model_response, problem_responses
from ticketing.catalogue import service
from ticketing.catalogue.config import ProductKind
from ticketing.catalogue.errors import CongestionBandsInvalid, TariffsNotLoaded
from ticketing.catalogue.schemas import (
    CongestionBandSetOut,
    CongestionBandsIn,
    CongestionBandsOut,
    ListOut,
    OperatorOut,
    ProductOut,
    RiderCategoryOut,
    TariffVersionOut,
    ZoneOut,
)
from ticketing.errors import ProductNotFound

router = APIRouter(prefix="/catalogue", tags=["catalogue"])

# Either scope may edit congestion bands: tariff managers, and traffic planners (scenarios).
BAND_EDITORS = (Scope.TARIFFS_MANAGE, Scope.SCENARIOS_RUN)
_PUBLIC = {"Cache-Control": "public, max-age=60"}


def _public(response: Response) -> Response:
    response.headers.update(_PUBLIC)
    return response


@router.get("/operators", response_model=ListOut[OperatorOut])
def get_operators(session: SessionDep) -> Response:
    """Operators taking part in the authority's integrated tariff."""
    items = [OperatorOut.of(o) for o in service.list_operators(session)]
    return _public(model_response(ListOut[OperatorOut](items=items)))


@router.get("/zones", response_model=ListOut[ZoneOut])
def get_zones(session: SessionDep) -> Response:
    """Tariff zones and the GTFS areas and stops they consist of."""
    items = [ZoneOut.of(z) for z in service.list_zones(session)]
    return _public(model_response(ListOut[ZoneOut](items=items)))


@router.get("/rider-categories", response_model=ListOut[RiderCategoryOut])
def get_rider_categories(session: SessionDep) -> Response:
    """Rider categories, and whether each needs proof of eligibility."""
    items = [RiderCategoryOut.of(c) for c in service.list_rider_categories(session)]
    return _public(model_response(ListOut[RiderCategoryOut](items=items)))


@router.get("/products", response_model=ListOut[ProductOut])
def get_products(
    session: SessionDep,
    kind: Annotated[ProductKind | None, Query(description="Only products of this kind")] = None,
    operator: Annotated[
        str | None, Query(max_length=64, description="Only products valid on this operator")
    ] = None,
) -> Response:
    """Products on sale, with their prices per rider category."""
    views = service.list_products(session, kind=kind.value if kind else None, operator=operator)
    return _public(model_response(ListOut[ProductOut](items=[ProductOut.of(v) for v in views])))


@router.get(
    "/products/{product_id}",
    response_model=ProductOut,
    responses=problem_responses(ProductNotFound),
)
def get_product(product_id: str, session: SessionDep) -> Response:
    """One product, also one no longer on sale (`active` false)."""
    return _public(model_response(ProductOut.of(service.get_product(session, product_id))))


@router.get(
    "/tariffs", response_model=TariffVersionOut, responses=problem_responses(TariffsNotLoaded)
)
def get_tariffs(session: SessionDep) -> Response:
    """The tariff version in force: its checksum and when it was loaded."""
    view = service.current_version(session)
    config = service.current_config(session)
    if view is None or config is None:
        raise TariffsNotLoaded("no tariff file has been loaded yet")
    return _public(model_response(TariffVersionOut.of(view, config.capping.day_start)))


def _bands(session: SessionDep, at: datetime) -> CongestionBandsOut:
    return CongestionBandsOut(
        current=CongestionBandSetOut.of(service.congestion_bands(session, at)),
        history=[CongestionBandSetOut.of(s) for s in service.congestion_history(session)],
    )


@router.get("/congestion-bands", response_model=CongestionBandsOut)
def get_congestion_bands(
    session: SessionDep,
    at: Annotated[datetime | None, Query(description="Default now (ISO 8601 with offset)")] = None,
) -> Response:
    """Congestion-linked price bands in force at `at`, and the latest sets (history)."""
    moment = at or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return model_response(_bands(session, moment))


@router.put(
    "/congestion-bands",
    response_model=CongestionBandSetOut,
    responses=problem_responses(
        Unauthorized, AnyScopeRequired, CongestionBandsInvalid, TariffsNotLoaded
    ),
)
def put_congestion_bands(
    body: CongestionBandsIn, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """Replace the congestion bands from `effective_from` (tariffs:manage or scenarios:run)."""
    if not any(principal.has_scope(s) for s in BAND_EDITORS):
        raise AnyScopeRequired(BAND_EDITORS)
    created = service.set_congestion_bands(
        session,
        body.bands,
        principal.subject,
        effective_from=body.effective_from,
        reason=body.reason,
    )
    return model_response(CongestionBandSetOut.of(created))

"""HTTP routes of traffic scenarios: create (run by the worker), state, results, comparison, map."""

from __future__ import annotations

import json
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from mobility.auth.deps import require_scopes
from mobility.auth.principals import Principal, Scope
from mobility.deps import SessionDep
from mobility.problems import model_response, problem_responses
from mobility.traffic.errors import NetworkNotFound
from mobility.traffic.scenarios import plots, repository, service
from mobility.traffic.scenarios.errors import ScenarioInvalid, ScenarioNotDone, ScenarioNotFound
from mobility.traffic.scenarios.models import ScenarioLinkResult, TrafficScenario
from mobility.traffic.scenarios.schemas import (
    ComparisonOut,
    LinkDifferenceOut,
    LinkResultOut,
    LinkResultPage,
    ScenarioCreate,
    ScenarioOut,
)
from mobility.traffic.schemas import LinkFeature, LinkFeatureCollection

router = APIRouter(prefix="/scenarios", tags=["traffic scenarios"])
Reader = Annotated[Principal, Depends(require_scopes(Scope.TRAFFIC_READ))]
Manager = Annotated[Principal, Depends(require_scopes(Scope.TRAFFIC_MANAGE))]


def _out(scenario: TrafficScenario) -> ScenarioOut:
    return ScenarioOut(
        id=scenario.id,
        name=scenario.name,
        network_id=scenario.network_id,
        period=scenario.period_code,
        classes=scenario.classes,
        changes=scenario.changes,
        gap_target=scenario.gap_target,
        length_unit=scenario.length_unit,
        time_unit=scenario.time_unit,
        created_by=scenario.created_by,
        created_at=scenario.created_at,
        status=scenario.status.value,
        progress=scenario.progress,
        iterations=scenario.iterations,
        gap=scenario.gap,
        gap_history=scenario.gap_history,
        error=scenario.error,
        started_at=scenario.started_at,
        finished_at=scenario.finished_at,
        totals=scenario.totals,
    )


@router.post(
    "",
    status_code=202,
    response_model=ScenarioOut,
    responses=problem_responses(NetworkNotFound, ScenarioInvalid),
)
def create_scenario(body: ScenarioCreate, session: SessionDep, principal: Manager) -> Response:
    """Create a scenario; the worker runs it (poll its status)."""
    scenario = service.create_scenario(session, body, principal.subject)
    session.refresh(scenario)
    response = model_response(_out(scenario))
    response.status_code = 202
    response.headers["Location"] = f"/v1/scenarios/{scenario.id}"
    return response


@router.get(
    "/compare",
    response_model=ComparisonOut,
    responses=problem_responses(ScenarioNotFound, ScenarioNotDone),
)
def compare_scenarios(
    session: SessionDep,
    _principal: Reader,
    base: int,
    other: int,
    top: Annotated[int, Query(ge=1, le=500)] = 10,
) -> Response:
    """Totals of two finished scenarios, their difference, and the links that changed most."""
    result = service.compare(session, base, other, top)
    top_links = [
        LinkDifferenceOut(
            link_index=d.link_index,
            from_node=d.from_node,
            to_node=d.to_node,
            volume_base=d.volume_base,
            volume_other=d.volume_other,
            volume_diff=d.volume_other - d.volume_base,
            vht_diff=d.vht_diff,
            co2_kg_diff=d.co2_kg_diff,
        )
        for d in result.top_links
    ]
    return model_response(
        ComparisonOut(
            base=base,
            other=other,
            totals_base=result.totals_base,
            totals_other=result.totals_other,
            totals_diff=result.totals_diff,
            top_links=top_links,
        )
    )


_PNG: dict[int | str, dict[str, Any]] = {200: {"content": {"image/png": {}}}}


def _drawn(
    session: Session, scenario: TrafficScenario
) -> tuple[list[plots.Segment], list[ScenarioLinkResult]]:
    """The scenario's link results that have coordinates, with their segments."""
    coordinates = repository.node_coordinates(session, scenario.network_id)
    segments, rows = [], []
    for row in repository.results(session, scenario.id):
        a, b = coordinates.get(row.from_node), coordinates.get(row.to_node)
        if a is not None and b is not None:
            segments.append((a, b))
            rows.append(row)
    return segments, rows


@router.get(
    "/compare.png",
    response_class=Response,
    responses={**problem_responses(ScenarioNotFound, ScenarioNotDone), **_PNG},
)
def compare_png(session: SessionDep, _principal: Reader, base: int, other: int) -> Response:
    """A map of the volume differences between two finished scenarios (other - base)."""
    first = service.done_scenario(session, base)
    second = service.done_scenario(session, other)
    before = {r.link_index: r.volume for r in repository.results(session, first.id)}
    segments, rows = _drawn(session, second)
    difference = np.array([r.volume - before.get(r.link_index, 0.0) for r in rows])
    title = f"{second.name} - {first.name}: volume difference"
    return Response(plots.difference_map(title, segments, difference), media_type="image/png")


@router.get(
    "/{scenario_id}", response_model=ScenarioOut, responses=problem_responses(ScenarioNotFound)
)
def get_scenario(scenario_id: int, session: SessionDep, _principal: Reader) -> Response:
    """A scenario: its status, progress, iterations and gap, and its totals once done."""
    return model_response(_out(repository.get_scenario(session, scenario_id)))


@router.get(
    "/{scenario_id}/links",
    response_model=LinkResultPage,
    responses=problem_responses(ScenarioNotFound, ScenarioNotDone),
)
def get_links(
    scenario_id: int,
    session: SessionDep,
    _principal: Reader,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Results per link, in link order (closed links with zero volume, added links last)."""
    service.done_scenario(session, scenario_id)
    items = [
        LinkResultOut.model_validate(row, from_attributes=True)
        for row in repository.results(session, scenario_id, offset, limit)
    ]
    total = repository.count_results(session, scenario_id)
    return model_response(LinkResultPage(items=items, total=total, offset=offset, limit=limit))


@router.get(
    "/{scenario_id}/map.png",
    response_class=Response,
    responses={**problem_responses(ScenarioNotFound, ScenarioNotDone), **_PNG},
)
def get_map_png(scenario_id: int, session: SessionDep, _principal: Reader) -> Response:
    """A map of volume / capacity per link (width by volume) as PNG."""
    scenario = service.done_scenario(session, scenario_id)
    segments, rows = _drawn(session, scenario)
    png = plots.volume_capacity_map(
        f"{scenario.name}: volume / capacity",
        segments,
        np.array([r.volume for r in rows]),
        np.array([r.voc for r in rows]),
    )
    return Response(png, media_type="image/png")


@router.get(
    "/{scenario_id}/map.html",
    response_class=Response,
    responses={
        **problem_responses(ScenarioNotFound, ScenarioNotDone),
        200: {"content": {"text/html": {}}},
    },
)
def get_map_html(scenario_id: int, session: SessionDep, _principal: Reader) -> Response:
    """A page with the totals, the volume/capacity map and the convergence plot."""
    scenario = service.done_scenario(session, scenario_id)
    segments, rows = _drawn(session, scenario)
    title = f"Scenario {scenario.id}: {scenario.name}"
    pictures = [
        (
            "volume / capacity (width: volume)",
            plots.volume_capacity_map(
                title,
                segments,
                np.array([r.volume for r in rows]),
                np.array([r.voc for r in rows]),
            ),
        ),
        (
            "relative gap per iteration",
            plots.convergence_plot(title, scenario.gap_history or [], scenario.gap_target),
        ),
    ]
    page = plots.html_page(title, pictures, scenario.totals or {})
    return Response(page, media_type="text/html")


@router.get(
    "/{scenario_id}/convergence.png",
    response_class=Response,
    responses={**problem_responses(ScenarioNotFound, ScenarioNotDone), **_PNG},
)
def get_convergence_png(scenario_id: int, session: SessionDep, _principal: Reader) -> Response:
    """The relative gap of the assignment per iteration as PNG."""
    scenario = service.done_scenario(session, scenario_id)
    png = plots.convergence_plot(
        f"{scenario.name}: convergence", scenario.gap_history or [], scenario.gap_target
    )
    return Response(png, media_type="image/png")


@router.get(
    "/{scenario_id}/map",
    response_model=LinkFeatureCollection,
    responses={
        **problem_responses(ScenarioNotFound, ScenarioNotDone),
        200: {"content": {"application/geo+json": {}}},
    },
)
def get_map(scenario_id: int, session: SessionDep, _principal: Reader) -> Response:
    """Links as GeoJSON with volume, volume/capacity and speed (links without coordinates left
    out and counted in `links_without_coordinates`)."""
    scenario = service.done_scenario(session, scenario_id)
    coordinates = repository.node_coordinates(session, scenario.network_id)
    features, missing = [], 0
    for row in repository.results(session, scenario_id):
        a, b = coordinates.get(row.from_node), coordinates.get(row.to_node)
        if a is None or b is None:
            missing += 1
            continue
        features.append(
            LinkFeature(
                id=row.link_index,
                geometry={"type": "LineString", "coordinates": [list(a), list(b)]},
                properties={
                    "link_id": row.link_id,
                    "from_node": row.from_node,
                    "to_node": row.to_node,
                    "closed": row.closed,
                    "volume": row.volume,
                    "voc": row.voc,
                    "speed_kmh": row.speed_kmh,
                },
            )
        )
    body = LinkFeatureCollection(features=features).model_dump(mode="json")
    body["links_without_coordinates"] = missing
    return Response(json.dumps(body, separators=(",", ":")), media_type="application/geo+json")

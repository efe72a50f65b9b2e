"""HTTP routes of the road network (read-only): networks, their size and demand, link maps."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from mobility.auth.deps import require_scopes
from mobility.auth.principals import Scope
from mobility.deps import SessionDep
from mobility.problems import model_response, problem_responses
from mobility.traffic import repository
from mobility.traffic.errors import NetworkNotFound
from mobility.traffic.schemas import (
    DemandTotalOut,
    LinkFeature,
    LinkFeatureCollection,
    NetworkDetail,
    NetworkList,
    NetworkOut,
)

router = APIRouter(
    prefix="/traffic",
    tags=["traffic"],
    dependencies=[Depends(require_scopes(Scope.TRAFFIC_READ))],
)


@router.get("/networks", response_model=NetworkList)
def get_networks(session: SessionDep) -> Response:
    """Road networks imported, by name."""
    items = [NetworkOut.of(n) for n in repository.list_networks(session)]
    return model_response(NetworkList(items=items))


@router.get(
    "/networks/{network_id}",
    response_model=NetworkDetail,
    responses=problem_responses(NetworkNotFound),
)
def get_network(network_id: int, session: SessionDep) -> Response:
    """A network with its numbers of nodes, links and zones, and its demand per class and period."""
    network = repository.get_network(session, network_id)
    counts = repository.network_counts(session, network_id)
    demand = [
        DemandTotalOut(
            class_code=d.class_code,
            period_code=d.period_code,
            pce=d.pce,
            od_pairs=d.cells,
            total_trips=d.total_trips,
            total_pce=d.total_trips * d.pce,
        )
        for d in repository.demand_totals(session, network_id)
    ]
    detail = NetworkDetail(**NetworkOut.of(network).model_dump(), **counts, demand=demand)
    return model_response(detail)


@router.get(
    "/networks/{network_id}/links.geojson",
    response_model=LinkFeatureCollection,
    responses={
        **problem_responses(NetworkNotFound),
        200: {"content": {"application/geo+json": {}}},
    },
)
def get_links_geojson(network_id: int, session: SessionDep) -> Response:
    """Links as GeoJSON LineStrings between their nodes (links without coordinates left out)."""
    features = [
        LinkFeature(
            id=link.id,
            geometry={"type": "LineString", "coordinates": [list(a), list(b)]},
            properties={
                "link_index": link.link_index,
                "external_id": link.external_id,
                "from_node": link.from_node,
                "to_node": link.to_node,
                "length": link.length,
                "free_flow_time": link.free_flow_time,
                "capacity": link.capacity,
                "lanes": link.lanes,
                "link_type": link.link_type,
                "toll": link.toll,
                "vdf_alpha": link.vdf_alpha,
                "vdf_beta": link.vdf_beta,
                "is_connector": link.is_connector,
            },
        )
        for link, a, b in repository.link_geometries(session, network_id)
    ]
    body = LinkFeatureCollection(features=features).model_dump_json()
    return Response(body, media_type="application/geo+json")

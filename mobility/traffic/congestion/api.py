"""HTTP routes of congestion levels: publish a scenario's levels to fares, list the levels in
force, the traffic-to-fare zone map, and the time bands of periods."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from mobility.auth.deps import CurrentPrincipal, require_scopes
from mobility.auth.errors import AnyScopeRequired, InsufficientScope, Unauthorized
from mobility.auth.principals import Principal, Scope
from mobility.deps import SessionDep
from mobility.errors import ValidationFailed
from mobility.problems import model_response, problem_responses
from mobility.traffic.congestion import publish as publishing
from mobility.traffic.congestion import service
from mobility.traffic.congestion.bands import parse_weekdays
from mobility.traffic.congestion.errors import (
    CongestionNotPublishable,
    FareZoneMapInvalid,
    TimePeriodNotFound,
)
from mobility.traffic.congestion.models import CongestionPublication
from mobility.traffic.congestion.schemas import (
    CongestionOut,
    CongestionPolicy,
    FareZoneEntry,
    FareZoneMapIn,
    FareZoneMapOut,
    PeriodBandIn,
    PeriodOut,
    PublicationOut,
    PublishedBand,
    PublishIn,
    ScenarioCongestionOut,
    ZoneLevelOut,
)
from mobility.traffic.errors import NetworkNotFound, TimePeriodInvalid
from mobility.traffic.models import TimePeriod
from mobility.traffic.scenarios.errors import ScenarioNotDone, ScenarioNotFound

router = APIRouter(tags=["traffic congestion"])
Reader = Annotated[Principal, Depends(require_scopes(Scope.TRAFFIC_READ))]
Manager = Annotated[Principal, Depends(require_scopes(Scope.TRAFFIC_MANAGE))]
PUBLISHERS = (Scope.SCENARIOS_RUN.value, Scope.TRAFFIC_MANAGE.value)


def _publication_out(
    publication: CongestionPublication, bands: list[PublishedBand]
) -> PublicationOut:
    return PublicationOut(
        id=publication.id,
        scenario_id=publication.scenario_id,
        period=publication.period_code,
        policy=CongestionPolicy.model_validate(publication.policy),
        published_by=publication.published_by,
        published_at=publication.published_at,
        bands=bands,
    )


@router.post(
    "/scenarios/{scenario_id}/publish",
    response_model=PublicationOut,
    responses=problem_responses(
        Unauthorized, AnyScopeRequired, ScenarioNotFound, ScenarioNotDone,
        CongestionNotPublishable,
    ),
)  # fmt: skip
def publish_scenario(
    scenario_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    body: PublishIn | None = None,
) -> Response:
    """Make the scenario the active congestion scenario of its period and set fares from it."""
    if not any(principal.has_scope(s) for s in PUBLISHERS):
        raise AnyScopeRequired(PUBLISHERS)
    policy = (body or PublishIn()).policy
    publication, bands = publishing.publish(session, scenario_id, principal.subject, policy)
    return model_response(_publication_out(publication, bands))


def _zones_out(levels: service.ZoneLevels) -> list[ZoneLevelOut]:
    return [
        ZoneLevelOut(
            zone_id=z.zone_id,
            fare_zone=levels.fare_zones.get(z.zone_id),
            level=z.level,
            voc=z.voc,
            travel_time_index=z.travel_time_index,
            links=z.links,
            volume=z.volume,
            lon=z.x if levels.geographic else None,
            lat=z.y if levels.geographic else None,
        )
        for z in levels.zones
    ]


@router.get(
    "/traffic/congestion",
    response_model=CongestionOut,
    responses=problem_responses(Unauthorized, InsufficientScope, ValidationFailed),
)
def get_congestion(
    session: SessionDep,
    _: Reader,
    at: Annotated[datetime | None, Query(description="Default now (ISO 8601 with offset)")] = None,
) -> Response:
    """Congestion levels per zone in force at `at` (from the published scenario covering it)."""
    if at is not None and at.tzinfo is None:
        # A wall-clock time without an offset is ambiguous once a year (DST): say which.
        raise ValidationFailed("at needs a UTC offset, e.g. 2026-11-23T08:00:00+01:00")
    moment = at or datetime.now(UTC)
    active, levels = service.levels_at(session, moment)
    return model_response(
        CongestionOut(
            at=moment,
            scenario_id=active.scenario.id if active else None,
            period=active.period.code if active else None,
            network_id=active.network.id if active else None,
            zones=_zones_out(levels),
        )
    )


@router.get(
    "/scenarios/{scenario_id}/congestion",
    response_model=ScenarioCongestionOut,
    responses=problem_responses(Unauthorized, InsufficientScope, ScenarioNotFound, ScenarioNotDone),
)
def get_scenario_congestion(scenario_id: int, session: SessionDep, _: Reader) -> Response:
    """Congestion levels per zone computed for a finished scenario, published or not."""
    scenario, levels = service.scenario_levels(session, scenario_id)
    return model_response(
        ScenarioCongestionOut(
            scenario_id=scenario.id,
            period=scenario.period_code,
            network_id=scenario.network_id,
            zones=_zones_out(levels),
        )
    )


def _map_out(network_id: int, mapping: dict[int, str]) -> FareZoneMapOut:
    return FareZoneMapOut(
        network_id=network_id,
        zones=[FareZoneEntry(zone_id=z, fare_zone=f) for z, f in sorted(mapping.items())],
    )


@router.get(
    "/traffic/fare-zone-map",
    response_model=FareZoneMapOut,
    responses=problem_responses(NetworkNotFound),
)
def get_fare_zone_map(network_id: int, session: SessionDep, _: Reader) -> Response:
    """The fare zone of each traffic zone of a network."""
    return model_response(_map_out(network_id, service.fare_zone_map(session, network_id)))


@router.put(
    "/traffic/fare-zone-map",
    response_model=FareZoneMapOut,
    responses=problem_responses(NetworkNotFound, FareZoneMapInvalid),
)
def put_fare_zone_map(body: FareZoneMapIn, session: SessionDep, _: Manager) -> Response:
    """Replace a network's map of traffic zones to fare zones (traffic:manage)."""
    mapping: dict[int, str] = {}
    duplicates = []
    for entry in body.zones:
        if entry.zone_id in mapping:
            duplicates.append(entry.zone_id)
        mapping[entry.zone_id] = entry.fare_zone
    if duplicates:
        raise FareZoneMapInvalid(
            f"zone {duplicates[0]} is listed more than once",
            errors=[{"path": f"zones[zone_id={z}]", "message": "listed twice"} for z in duplicates],
        )
    service.set_fare_zone_map(session, body.network_id, mapping)
    return model_response(_map_out(body.network_id, mapping))


def _period_out(period: TimePeriod) -> PeriodOut:
    return PeriodOut(
        code=period.code,
        name=period.name,
        start=period.start_time,
        end=period.end_time,
        weekdays=period.weekdays.split(","),
    )


@router.put(
    "/traffic/periods/{code}/band",
    response_model=PeriodOut,
    responses=problem_responses(TimePeriodNotFound, TimePeriodInvalid),
)
def put_period_band(code: str, body: PeriodBandIn, session: SessionDep, _: Manager) -> Response:
    """Set a period's local time band, in which its scenarios' congestion applies."""
    period = service.set_period_band(
        session, code, body.start, body.end, parse_weekdays(",".join(body.weekdays))
    )
    return model_response(_period_out(period))

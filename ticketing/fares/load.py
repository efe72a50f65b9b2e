"""Build a feed version's `FeedFares` from the database's GTFS tables."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from gtfs.models import FeedVersion, table_for
from ticketing.fares.errors import FareError
from ticketing.fares.model import (
    FareAttribute,
    FareLegJoinRule,
    FareLegRule,
    FareMedia,
    FareProduct,
    FareRuleV1,
    FareTransferRule,
    FeedFares,
    RiderCategory,
    ServiceCalendar,
    Timeframe,
)

DAY_COLUMNS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _rows(session: Session, file_name: str, version_id: int) -> list[Any]:
    table: Table = table_for(file_name)
    return list(session.execute(select(table).where(table.c.feed_version_id == version_id)).all())


def _services(
    session: Session, version_id: int, service_ids: set[str]
) -> dict[str, ServiceCalendar]:
    if not service_ids:
        return {}
    calendar, dates = table_for("calendar.txt"), table_for("calendar_dates.txt")
    base: dict[str, Any] = {}
    for row in session.execute(
        select(calendar).where(
            calendar.c.feed_version_id == version_id, calendar.c.service_id.in_(service_ids)
        )
    ):
        base[row.service_id] = row
    added: dict[str, set[Any]] = defaultdict(set)
    removed: dict[str, set[Any]] = defaultdict(set)
    for row in session.execute(
        select(dates).where(
            dates.c.feed_version_id == version_id, dates.c.service_id.in_(service_ids)
        )
    ):
        (added if row.exception_type == 1 else removed)[row.service_id].add(row.date)
    services = {}
    for sid in service_ids:
        cal = base.get(sid)
        services[sid] = ServiceCalendar(
            weekdays=tuple(bool(getattr(cal, d)) for d in DAY_COLUMNS) if cal else (False,) * 7,
            start=cal.start_date if cal else None,
            end=cal.end_date if cal else None,
            added=frozenset(added.get(sid, ())),
            removed=frozenset(removed.get(sid, ())),
        )
    return services


def load_feed_fares(session: Session, version_id: int) -> FeedFares:
    """The fares (v2 and v1) of one feed version, with the stops, routes and calendars they use."""
    version = session.get(FeedVersion, version_id)
    if version is None:
        raise FareError(f"no feed version {version_id}")

    products: dict[str, list[FareProduct]] = defaultdict(list)
    for r in _rows(session, "fare_products.txt", version_id):
        products[r.fare_product_id].append(
            FareProduct(
                fare_product_id=r.fare_product_id,
                amount=int(r.amount),
                currency=r.currency,
                name=r.fare_product_name or "",
                rider_category_id=r.rider_category_id,
                fare_media_id=r.fare_media_id,
                line=r.line,
            )
        )
    leg_rules = tuple(
        FareLegRule(
            fare_product_id=r.fare_product_id,
            leg_group_id=r.leg_group_id,
            network_id=r.network_id,
            from_area_id=r.from_area_id,
            to_area_id=r.to_area_id,
            from_timeframe_group_id=r.from_timeframe_group_id,
            to_timeframe_group_id=r.to_timeframe_group_id,
            rule_priority=r.rule_priority,
            line=r.line,
        )
        for r in sorted(_rows(session, "fare_leg_rules.txt", version_id), key=lambda r: r.line)
    )
    transfer_rules = tuple(
        FareTransferRule(
            fare_transfer_type=r.fare_transfer_type,
            from_leg_group_id=r.from_leg_group_id,
            to_leg_group_id=r.to_leg_group_id,
            transfer_count=r.transfer_count,
            duration_limit=r.duration_limit,
            duration_limit_type=r.duration_limit_type,
            fare_product_id=r.fare_product_id,
            line=r.line,
        )
        for r in sorted(_rows(session, "fare_transfer_rules.txt", version_id), key=lambda r: r.line)
    )
    leg_join_rules = tuple(
        FareLegJoinRule(
            from_network_id=r.from_network_id,
            to_network_id=r.to_network_id,
            from_stop_id=r.from_stop_id,
            to_stop_id=r.to_stop_id,
            line=r.line,
        )
        for r in sorted(_rows(session, "fare_leg_join_rules.txt", version_id), key=lambda r: r.line)
    )
    timeframes: dict[str, list[Timeframe]] = defaultdict(list)
    for r in _rows(session, "timeframes.txt", version_id):
        timeframes[r.timeframe_group_id].append(
            Timeframe(
                timeframe_group_id=r.timeframe_group_id,
                service_id=r.service_id,
                start_time=r.start_time if r.start_time is not None else 0,
                end_time=r.end_time if r.end_time is not None else 86_400,
            )
        )
    stop_areas: dict[str, set[str]] = defaultdict(set)
    for r in _rows(session, "stop_areas.txt", version_id):
        stop_areas[r.stop_id].add(r.area_id)
    route_networks: dict[str, set[str]] = defaultdict(set)
    for r in _rows(session, "route_networks.txt", version_id):
        route_networks[r.route_id].add(r.network_id)
    routes = table_for("routes.txt")
    for route_id, network_id in session.execute(
        select(routes.c.route_id, routes.c.network_id).where(
            routes.c.feed_version_id == version_id, routes.c.network_id.is_not(None)
        )
    ):
        route_networks[route_id].add(network_id)
    stops = table_for("stops.txt")
    parent_station: dict[str, str] = {}
    stop_zones: dict[str, str] = {}
    for stop_id, parent, zone in session.execute(
        select(stops.c.stop_id, stops.c.parent_station, stops.c.zone_id).where(
            stops.c.feed_version_id == version_id
        )
    ):
        if parent:
            parent_station[stop_id] = parent
        if zone:
            stop_zones[stop_id] = zone

    return FeedFares(
        feed=version.feed_id,
        timezone=version.timezone or "UTC",
        products={k: tuple(v) for k, v in products.items()},
        leg_rules=leg_rules,
        transfer_rules=transfer_rules,
        leg_join_rules=leg_join_rules,
        stop_areas={k: frozenset(v) for k, v in stop_areas.items()},
        parent_station=parent_station,
        route_networks={k: frozenset(v) for k, v in route_networks.items()},
        timeframes={k: tuple(v) for k, v in timeframes.items()},
        services=_services(
            session, version_id, {tf.service_id for tfs in timeframes.values() for tf in tfs}
        ),
        rider_categories={
            r.rider_category_id: RiderCategory(
                r.rider_category_id, r.rider_category_name or "", r.is_default_fare_category == 1
            )
            for r in _rows(session, "rider_categories.txt", version_id)
        },
        fare_media={
            r.fare_media_id: FareMedia(r.fare_media_id, r.fare_media_name or "", r.fare_media_type)
            for r in _rows(session, "fare_media.txt", version_id)
        },
        attributes={
            r.fare_id: FareAttribute(
                fare_id=r.fare_id,
                price=int(r.price),
                currency=r.currency_type,
                transfers=r.transfers,
                transfer_duration=r.transfer_duration,
            )
            for r in _rows(session, "fare_attributes.txt", version_id)
        },
        fare_rules=tuple(
            FareRuleV1(
                fare_id=r.fare_id,
                route_id=r.route_id,
                origin_id=r.origin_id,
                destination_id=r.destination_id,
                contains_id=r.contains_id,
                line=r.line,
            )
            for r in sorted(_rows(session, "fare_rules.txt", version_id), key=lambda r: r.line)
        ),
        stop_zones=stop_zones,
    )

"""The tariff file's GTFS references checked against the feeds imported in this database.

Operators name GTFS agencies, networks name GTFS networks, zones name Fares v2 areas and
stops. A reference the current feed version lacks is a warning, not an error: feeds are
imported and replaced on their own schedule (a new timetable may arrive after the tariff), so
a load must not depend on their order. The warnings tell the analyst what will not match.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from gtfs.models import FeedVersion, table_for
from gtfs.repository import GtfsRepository, ids_in
from ticketing.catalogue.config import TariffConfig

# What a reference kind may be found in: (GTFS file, column) pairs, any of which will do.
_WHERE: dict[str, tuple[tuple[str, str], ...]] = {
    "agency": (("agency.txt", "agency_id"), ("routes.txt", "agency_id")),
    "network": (
        ("networks.txt", "network_id"),
        ("routes.txt", "network_id"),
        ("route_networks.txt", "network_id"),
    ),
    "area": (("areas.txt", "area_id"),),
    "stop": (("stops.txt", "stop_id"),),
}
MAX_WARNINGS = 20


def _references(config: TariffConfig) -> dict[tuple[str, str], dict[str, list[str]]]:
    """(feed, kind) -> GTFS id -> the paths in the file that name it."""
    refs: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for i, operator in enumerate(config.operators):
        for j, agency in enumerate(operator.gtfs):
            refs[agency.feed, "agency"][agency.agency_id].append(f"operators[{i}].gtfs[{j}]")
    for i, network in enumerate(config.networks):
        for j, gtfs_network in enumerate(network.gtfs):
            refs[gtfs_network.feed, "network"][gtfs_network.network_id].append(
                f"networks[{i}].gtfs[{j}]"
            )
    for i, zone in enumerate(config.zones):
        for j, gtfs_zone in enumerate(zone.gtfs):
            for area in gtfs_zone.areas:
                refs[gtfs_zone.feed, "area"][area].append(f"zones[{i}].gtfs[{j}].areas")
            for stop in gtfs_zone.stops:
                refs[gtfs_zone.feed, "stop"][stop].append(f"zones[{i}].gtfs[{j}].stops")
    return refs


def _present(session: Session, version: FeedVersion, kind: str, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for file_name, column_name in _WHERE[kind]:
        table = table_for(file_name)
        column = table.c[column_name]
        rows = session.execute(
            select(column)
            .distinct()
            .where(table.c.feed_version_id == version.id, ids_in(column, ids, session))
        )
        found.update(str(row[0]) for row in rows)
        if found >= set(ids):
            break
    return found


def unresolved_gtfs_references(session: Session, config: TariffConfig) -> list[str]:
    """Warnings for GTFS references of `config` that no current feed version has (at most
    MAX_WARNINGS, then a count of the rest)."""
    versions = GtfsRepository(session).current_versions()
    refs = _references(config)
    warnings: list[str] = []
    missing_feeds: dict[str, list[str]] = defaultdict(list)
    for (feed, kind), ids in sorted(refs.items()):
        version = versions.get(feed)
        if version is None:
            missing_feeds[feed].extend(path for paths in ids.values() for path in paths)
            continue
        present = _present(session, version, kind, sorted(ids))
        for ident in sorted(set(ids) - present):
            warnings.append(
                f"{ids[ident][0]}: {kind} {ident!r} is not in feed {feed!r} (version {version.id})"
            )
    for feed, paths in sorted(missing_feeds.items()):
        warnings.append(f"{paths[0]}: feed {feed!r} is not imported ({len(paths)} references)")
    if len(warnings) > MAX_WARNINGS:
        rest = len(warnings) - MAX_WARNINGS
        warnings = [*warnings[:MAX_WARNINGS], f"... and {rest} more"]
    return warnings

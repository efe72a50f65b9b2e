"""Fixtures of the traffic-count tests: a session on the migrated database, a small road
network to map detectors onto, and a helper importing CSV text as a file would be."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mobility.traffic.counts.models import TrafficDetector
from mobility.traffic.counts.reader import read_counts_text
from mobility.traffic.counts.service import ImportOptions, ImportReport, import_rows
from mobility.traffic.models import TrafficLink, TrafficNetwork, TrafficNode

# Every fixture's counts lie before this instant; later ones are "in the future".
NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
HEADER = "detector,timestamp,class,count,speed\n"

Importer = Callable[..., ImportReport]


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def import_csv(session: Session) -> Importer:
    """Import CSV text as file `name` with the options given, and commit."""

    def run(text: str, name: str = "counts.csv", **options: object) -> ImportReport:
        file = read_counts_text(name, text.encode())
        report = import_rows(
            session,
            file.rows(),
            source=file.name,
            source_sha256=file.sha256,
            options=ImportOptions(**options),  # type: ignore[arg-type]
            now=NOW,
        )
        session.commit()
        return report

    return run


def add_detector(session: Session, code: str, **values: object) -> TrafficDetector:
    detector = TrafficDetector(code=code, name=code, **values)
    session.add(detector)
    session.commit()
    return detector


@pytest.fixture
def link(session: Session) -> TrafficLink:
    """One two-lane link 1 -> 2 of a network "tiny"."""
    network = TrafficNetwork(name="tiny", source_format="tntp", content_sha256="0" * 64)
    session.add(network)
    session.flush()
    session.add_all([TrafficNode(network_id=network.id, node_id=n) for n in (1, 2)])
    session.flush()
    made = TrafficLink(
        network_id=network.id,
        link_index=0,
        from_node=1,
        to_node=2,
        length=1.0,
        free_flow_time=1.0,
        capacity=3600.0,
        lanes=2,
        vdf_alpha=0.15,
        vdf_beta=4.0,
    )
    session.add(made)
    session.commit()
    return made

"""The detector registry: mapping onto a link takes the link's network and lanes; bad values
and an interval change under stored counts are refused."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from mobility.errors import Conflict
from mobility.traffic.counts.detectors import DetectorChanges, DetectorInvalid, upsert_detector
from mobility.traffic.models import TrafficLink

from .conftest import HEADER, Importer


def test_map_onto_a_link_and_unmap(session: Session, link: TrafficLink) -> None:
    """A new detector mapped onto a link gets its network and its lanes; link 0 unmaps."""
    made, created = upsert_detector(session, "A12", DetectorChanges(link_id=link.id))
    assert created
    assert (made.link_id, made.network_id, made.lanes, made.interval_s) == (
        link.id, link.network_id, 2, 900,
    )  # fmt: skip
    again, created = upsert_detector(session, "A12", DetectorChanges(link_id=0, lanes=3))
    assert not created
    assert (again.id, again.link_id, again.network_id, again.lanes) == (made.id, None, None, 3)
    with pytest.raises(DetectorInvalid, match="no road-network link 424242"):
        upsert_detector(session, "A12", DetectorChanges(link_id=424242))


def test_invalid_values_and_interval_change(session: Session, import_csv: Importer) -> None:
    """Lanes, coordinates and intervals are checked; a detector with counts keeps its
    interval (its stored intervals and aggregates assume it)."""
    with pytest.raises(DetectorInvalid, match="lanes"):
        DetectorChanges(lanes=0)
    with pytest.raises(DetectorInvalid, match="latitude"):
        DetectorChanges(lat=91.0)
    with pytest.raises(DetectorInvalid, match="divide the hour"):
        DetectorChanges(interval_s=7)
    upsert_detector(session, "D1", DetectorChanges(interval_s=300))
    upsert_detector(session, "D1", DetectorChanges(interval_s=900))
    session.commit()
    import_csv(HEADER + "D1,2026-11-20T08:00:00Z,car,5,\n")
    with pytest.raises(Conflict, match="has counts of 900 s intervals"):
        upsert_detector(session, "D1", DetectorChanges(interval_s=300))

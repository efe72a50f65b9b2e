"""The detector registry: create or update a detector, and map it onto a road-network link.

The link mapping is what lets hourly counts be compared with assigned link volumes (an OD
matrix fitted to counts reports GEH per counted link), so the network is taken from the link,
never given separately: a detector cannot point at a link of another network.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from mobility.errors import Conflict, ValidationFailed
from mobility.traffic.counts.models import TrafficDetector
from mobility.traffic.counts.quality import RowProblem, check_interval
from mobility.traffic.counts.repository import CountsRepository


class DetectorInvalid(ValidationFailed):
    type_slug = "traffic-detector-invalid"
    title = "Traffic detector invalid"


@dataclass(frozen=True, slots=True)
class DetectorChanges:
    """The fields to set; None leaves a field as it is (for a new detector: its default).
    `link_id` 0 removes the link mapping."""

    name: str | None = None
    link_id: int | None = None
    direction: str | None = None
    lanes: int | None = None
    lat: float | None = None
    lon: float | None = None
    interval_s: int | None = None
    active: bool | None = None

    def __post_init__(self) -> None:
        if self.lanes is not None and self.lanes <= 0:
            raise DetectorInvalid(f"lanes must be positive, not {self.lanes}")
        if self.lat is not None and not -90 <= self.lat <= 90:
            raise DetectorInvalid(f"latitude {self.lat} is outside -90..90")
        if self.lon is not None and not -180 <= self.lon <= 180:
            raise DetectorInvalid(f"longitude {self.lon} is outside -180..180")
        if self.interval_s is not None:
            try:
                check_interval(self.interval_s)
            except RowProblem as exc:
                raise DetectorInvalid(exc.message) from None


def upsert_detector(
    session: Session, code: str, changes: DetectorChanges
) -> tuple[TrafficDetector, bool]:
    """Create detector `code` or update it; (detector, created). Flushed, not committed.

    Changing the interval of a detector that has counts is refused: its stored intervals and
    aggregates assume the old length.
    """
    code = code.strip()
    if not code or len(code) > 64:
        raise DetectorInvalid("a detector code is 1 to 64 characters")
    repo = CountsRepository(session)
    detector = repo.detectors_by_code([code]).get(code)
    created = detector is None
    if detector is None:
        detector = TrafficDetector(code=code, name=code, interval_s=900, active=True)
        session.add(detector)
    elif changes.interval_s is not None and changes.interval_s != detector.interval_s:
        if repo.has_counts(detector.id):
            raise Conflict(
                f"detector {code} has counts of {detector.interval_s} s intervals; "
                "register the new equipment under a new code"
            )
    if changes.link_id == 0:
        detector.link_id = detector.network_id = None
    elif changes.link_id is not None:
        link = repo.links([changes.link_id]).get(changes.link_id)
        if link is None:
            raise DetectorInvalid(f"no road-network link {changes.link_id}")
        detector.link_id, detector.network_id = link.id, link.network_id
        if changes.lanes is None and detector.lanes is None:
            detector.lanes = link.lanes
    for name in ("name", "direction", "lanes", "lat", "lon", "interval_s", "active"):
        value = getattr(changes, name)
        if value is not None:
            setattr(detector, name, value)
    session.flush()
    return detector, created

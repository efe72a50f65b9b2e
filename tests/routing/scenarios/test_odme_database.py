"""OD adjustment of a stored network to stored counts (cars and trucks, multi-class): the
counts selected by period band, dates and completeness, and `mobility traffic adjust-od
--network`, on both databases."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from mobility.db import session_scope
from mobility.traffic import repository
from mobility.traffic import service as traffic
from mobility.traffic.congestion.bands import parse_weekdays
from mobility.traffic.congestion.service import set_period_band
from mobility.traffic.counts.errors import CountsSelectionInvalid
from mobility.traffic.counts.models import TrafficCountHourly, TrafficDetector
from mobility.traffic.counts.quality import VehicleClass
from mobility.traffic.models import TrafficLink
from routing.algorithms.assignment import StoppingCriterion, TrafficClass, assign
from routing.algorithms.assignment.from_tntp import network_from_tntp
from routing.algorithms.assignment.odme import ALL_VEHICLES, OdmeParams
from routing.scenarios.odme import adjust_from_database
from services.cli import app
from services.cli_traffic_odme import write_matrix
from tests.mobility.traffic.conftest import NET, NODES, TRIPS

MONDAY = date(2026, 11, 23)
HOURS = (datetime(2026, 11, 23, 6, tzinfo=UTC), datetime(2026, 11, 23, 7, tzinfo=UTC))  # 7-9
SUNDAY_8 = datetime(2026, 11, 22, 7, tzinfo=UTC)
N_TOTAL, N_CLASSIFIED = 12, 8


def _hourly(
    detector: int, vehicle_class: str, hour: datetime, volume: float, share: float = 1.0
) -> TrafficCountHourly:
    return TrafficCountHourly(
        detector_id=detector,
        vehicle_class=VehicleClass(vehicle_class),
        period_start=hour,
        volume=round(volume),
        observed_intervals=round(4 * share),
        expected_intervals=4,
        completeness=share,
        flags=0,
    )


@pytest.fixture
def network_id(settings_env: None, tmp_path: Path) -> int:  # noqa: ARG001
    """Sioux Falls with cars (TNTP) and trucks (10% of them, PCE 2.5) in "am" (weekdays
    07-09); detectors on 20 links count the truth (each class perturbed by its own factors in
    [0.6, 1.4]) on Monday 07-09: 12 count all vehicles, 8 classify cars and trucks. A Sunday
    hour and an incomplete hour with absurd volumes must be ignored."""
    rng = np.random.default_rng(11)
    with session_scope() as session:
        traffic.import_tntp_network(session, "sioux-falls", NET, NODES, crs="EPSG:4326")
        traffic.import_tntp_trips(session, "sioux-falls", TRIPS, "car", "am")
        network = traffic.get_network(session, "sioux-falls")
        cars = repository.load_demand(session, network.id, "car", "am").matrix
        trucks_file = tmp_path / "trucks.tntp"
        write_matrix(trucks_file, cars * 0.1)
        traffic.ensure_vehicle_class(session, "truck", 2.5)
        traffic.import_tntp_trips(session, "sioux-falls", trucks_file, "truck", "am")
        set_period_band(session, "am", time(7), time(9), parse_weekdays("mon,tue,wed,thu,fri"))
        arrays = repository.load_network(session, network.id)
        true = [cars * rng.uniform(0.6, 1.4, cars.shape) for _ in range(2)]
        true[1] *= 0.1
        truth = assign(
            network_from_tntp(arrays),
            [TrafficClass(true[0], name="car"), TrafficClass(true[1], pce=2.5, name="truck")],
            stop=StoppingCriterion(gap=1e-6),
        )
        links = rng.choice(arrays.n_links, N_TOTAL + N_CLASSIFIED, replace=False)
        link_ids = dict(
            session.execute(
                select(TrafficLink.link_index, TrafficLink.id).where(
                    TrafficLink.network_id == network.id
                )
            ).all()
        )
        for i, a in enumerate(links):
            detector = TrafficDetector(
                code=f"D{i}", network_id=network.id, link_id=link_ids[int(a)], interval_s=900
            )
            session.add(detector)
            session.flush()
            car, truck = truth.class_volume[0, a], truth.class_volume[1, a]
            for hour in HOURS:
                if i < N_TOTAL:
                    session.add(_hourly(detector.id, "all", hour, car + truck))
                else:
                    session.add(_hourly(detector.id, "car", hour, car))
                    session.add(_hourly(detector.id, "truck", hour, truck))
            if i == 0:
                session.add(_hourly(detector.id, "all", SUNDAY_8, 99_999))
                late = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
                session.add(_hourly(detector.id, "all", late, 99_999, share=0.5))
        return network.id


def test_fit_to_stored_counts(network_id: int) -> None:
    """Counts come from the band's two Monday hours only (the incomplete and the Sunday hour
    left out), per class where classified; the fit of both classes raises the share of
    observations with GEH < 5 to at least 90% and each class keeps its own matrix."""
    with session_scope() as session:
        fit = adjust_from_database(
            session, network_id, "am", MONDAY, MONDAY, params=OdmeParams(relative=True)
        )
    seen = fit.observed
    assert (seen.hours, seen.detectors, seen.incomplete_hours, seen.links) == (2, 20, 1, 20)
    assert len(seen.vehicles) == N_TOTAL
    assert {k: len(v) for k, v in seen.by_class.items()} == {"car": 8, "truck": 8}
    assert max(seen.vehicles.values()) < 99_999
    labels = fit.result.observation_class
    assert labels.count(ALL_VEHICLES) == N_TOTAL
    assert fit.classes == ["car", "truck"]
    assert fit.result.share_fit_after > fit.result.share_fit_before
    assert fit.result.share_fit_after >= 0.9
    assert len(fit.result.class_demand) == 2


def test_selection_errors(network_id: int) -> None:
    """A range with no counts, or an inverted one, is a CountsSelectionInvalid problem."""
    with session_scope() as session:
        with pytest.raises(CountsSelectionInvalid, match="no complete hourly count"):
            adjust_from_database(session, network_id, "am", date(2026, 1, 5), date(2026, 1, 6))
        with pytest.raises(CountsSelectionInvalid, match="empty"):
            adjust_from_database(session, network_id, "am", MONDAY, date(2026, 11, 1))


def test_cli_from_database(network_id: int, tmp_path: Path) -> None:
    """`adjust-od --network` writes origin,destination,class,trips with both classes and the
    network's zone ids; files and --network together are refused with one line."""
    out = tmp_path / "adjusted.csv"
    args = ["traffic", "adjust-od", "--network", str(network_id), "--period", "am",
            "--from", "2026-11-23", "--to", "2026-11-23", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "counts: 20 links, 20 detectors, 2 hours" in result.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["class"] for r in rows} == {"car", "truck"}
    assert {int(r["origin"]) for r in rows} <= set(range(1, 25))
    both = CliRunner().invoke(app, [*args[:2], str(NET), str(TRIPS), "c.csv", *args[2:]])
    assert both.exit_code == 1
    assert "not both" in both.output

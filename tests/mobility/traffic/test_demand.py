"""Demand per vehicle class and period: CSV, PCE factors, refusal of unknown zones and changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session

from mobility.traffic import repository, service
from mobility.traffic.errors import (
    DemandChanged,
    InvalidNetworkFile,
    NetworkNotFound,
    VehicleClassInvalid,
)

CSV = """origin,destination,class,period,trips
1,2,car,am,100
2,1,car,am,80
1,2,truck,am,10
1,2,car,pm,
1,2,car,pm,0
"""


def _network(session: Session, gmns_dir: Path) -> int:
    return service.import_gmns_network(session, "coast", gmns_dir).network_id


def test_classes_and_periods_with_pce(session: Session, gmns_dir: Path, tmp_path: Path) -> None:
    """A CSV holds several matrices; trucks weigh their PCE factor in the total in PCE."""
    network_id = _network(session, gmns_dir)
    path = tmp_path / "demand.csv"
    path.write_text(CSV.replace("1,2,car,pm,\n", ""), encoding="utf-8")
    results = service.import_demand_csv(session, "coast", path, pce={"truck": 2.5})
    session.commit()
    assert [(r.class_code, r.period_code, r.cells) for r in results] == [
        ("car", "am", 2), ("car", "pm", 0), ("truck", "am", 1),
    ]  # fmt: skip
    truck = repository.load_demand(session, network_id, "truck", "am")
    assert truck.pce == 2.5
    assert truck.matrix.tolist() == [[0.0, 10.0], [0.0, 0.0]]
    total = repository.load_demand_pce(session, network_id, "am")
    assert np.array_equal(total, [[0.0, 125.0], [80.0, 0.0]])
    totals = {(t.class_code, t.period_code): t.total_trips for t in
              repository.demand_totals(session, network_id)}  # fmt: skip
    assert totals == {("car", "am"): 180.0, ("car", "pm"): 0.0, ("truck", "am"): 10.0}


def test_demand_is_refused_when_wrong(session: Session, gmns_dir: Path, tmp_path: Path) -> None:
    """Unknown network, a zone the network lacks, a new class without PCE, a stored PCE
    contradicted, an empty trips cell, a changed matrix without replace: each refused."""
    _network(session, gmns_dir)
    cells = {(1, 2): 5.0}
    with pytest.raises(NetworkNotFound):
        service.import_demand(session, "nowhere", "car", "am", cells)
    with pytest.raises(InvalidNetworkFile, match="zone 7"):
        service.import_demand(session, "coast", "car", "am", {(1, 7): 1.0})
    with pytest.raises(VehicleClassInvalid, match="truck"):
        service.import_demand(session, "coast", "truck", "am", cells)
    service.import_demand(session, "coast", "truck", "am", cells, pce=2.0)
    with pytest.raises(VehicleClassInvalid, match="PCE 2"):
        service.import_demand(session, "coast", "truck", "pm", cells, pce=3.0)
    path = tmp_path / "demand.csv"
    path.write_text(CSV, encoding="utf-8")
    with pytest.raises(InvalidNetworkFile, match=r"demand\.csv, line 5: trips"):
        service.import_demand_csv(session, "coast", path)
    assert service.import_demand(session, "coast", "truck", "am", cells).status == "unchanged"
    with pytest.raises(DemandChanged):
        service.import_demand(session, "coast", "truck", "am", {(1, 2): 6.0})
    replaced = service.import_demand(session, "coast", "truck", "am", {(1, 2): 6.0}, replace=True)
    assert replaced.status == "replaced"

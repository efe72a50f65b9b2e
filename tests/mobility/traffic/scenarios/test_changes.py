"""Scenario changes as pure functions of network and demand arrays."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter

from mobility.traffic.repository import DemandArrays
from mobility.traffic.scenarios.changes import (
    ChangeError,
    apply_demand_changes,
    apply_network_changes,
)
from mobility.traffic.scenarios.schemas import Change

from .factories import sioux_falls, tiny

CHANGES = TypeAdapter(list[Change])


def parse(*items: dict[str, object]) -> list[Change]:
    return CHANGES.validate_python(list(items))


def test_close_link_removes_it_and_keeps_the_input() -> None:
    """Closing 1->2 drops exactly that link; the base arrays are not modified."""
    base, _ = sioux_falls()
    before = base.init_node.copy()
    out = apply_network_changes(base, parse({"type": "close_link", "link": [1, 2]}))
    assert out.arrays.n_links == base.n_links - 1
    assert out.closed == (0,)
    assert 0 not in out.source_index
    assert not ((out.arrays.init_node == 1) & (out.arrays.term_node == 2)).any()
    np.testing.assert_array_equal(base.init_node, before)


def test_link_by_index_after_a_closure() -> None:
    """A link index names the base link even after an earlier closure shifted the arrays."""
    base, _ = tiny()
    out = apply_network_changes(
        base,
        parse(
            {"type": "close_link", "link": 0},
            {"type": "set_capacity", "link": 3, "factor": 2},
        ),
    )
    assert out.arrays.capacity.tolist() == [100.0, 100.0, 200.0]
    assert base.capacity.tolist() == [100.0] * 4


def test_set_speed_uses_the_length_units() -> None:
    """60 km/h over 1 km is one minute when lengths are km and times minutes."""
    base, _ = tiny()
    out = apply_network_changes(
        base, parse({"type": "set_speed", "link": [30, 2], "kmh": 60}), length_unit="km"
    )
    assert out.arrays.free_flow_time[1] == pytest.approx(1.0)
    assert out.arrays.speed[1] == 60


def test_add_link_appends_with_a_new_index() -> None:
    """An added link gets the index after the base's last and no database id."""
    base, _ = tiny()
    changes = parse(
        {"type": "add_link", "from_node": 30, "to_node": 40, "length": 1, "free_flow_time": 1,
         "capacity": 500},
        {"type": "set_capacity", "link": 4, "value": 900},
    )  # fmt: skip
    out = apply_network_changes(base, changes)
    assert out.arrays.n_links == 5
    assert out.source_index.tolist() == [0, 1, 2, 3, 4]
    assert (out.arrays.init_node[4], out.arrays.term_node[4]) == (3, 4)
    assert out.arrays.capacity[4] == 900
    assert out.arrays.link_ids[4] == -1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "close_link", "link": [30, 40]}, "no link from node 30 to node 40"),
        ({"type": "set_capacity", "link": 9, "factor": 2}, "no link with index 9"),
        ({"type": "add_link", "from_node": 30, "to_node": 99, "length": 1,
          "free_flow_time": 1, "capacity": 1}, "no node 99"),
    ],
)  # fmt: skip
def test_unknown_links_name_the_change(change: dict[str, object], message: str) -> None:
    """A change naming a link or node the network lacks fails with its index."""
    base, _ = tiny()
    changes = parse({"type": "set_capacity", "link": 0, "factor": 1}, change)
    with pytest.raises(ChangeError, match=message) as raised:
        apply_network_changes(base, changes)
    assert raised.value.index == 1


def test_scale_demand_by_origin_zone() -> None:
    """Scaling from zone 1 doubles its row only."""
    _, car = sioux_falls()
    out = apply_demand_changes({"car": car}, parse({"type": "scale_demand", "factor": 2,
                                                    "zones": [1]}))  # fmt: skip
    np.testing.assert_allclose(out["car"].matrix[0], 2 * car.matrix[0])
    np.testing.assert_allclose(out["car"].matrix[1:], car.matrix[1:])


def test_truck_surge_spreads_by_share_and_proportionally() -> None:
    """Explicit shares split the trucks as given; "proportional" follows the zone's car trips
    when it has no truck trips; the total added equals the surge."""
    _, car = sioux_falls()
    truck = DemandArrays("truck", "am", 2.5, car.zone_ids, np.zeros_like(car.matrix))
    demands = {"car": car, "truck": truck}
    out = apply_demand_changes(
        demands,
        parse({"type": "truck_surge", "zone": 3, "trucks": 400, "destinations": {1: 3, 2: 1}}),
    )
    assert out["truck"].matrix[2, 0] == pytest.approx(300)
    assert out["truck"].matrix[2, 1] == pytest.approx(100)
    assert truck.matrix.sum() == 0
    spread = apply_demand_changes(
        demands, parse({"type": "truck_surge", "zone": 3, "trucks": 400})
    )["truck"].matrix
    assert spread.sum() == pytest.approx(400)
    row = car.matrix[2].copy()
    row[2] = 0
    np.testing.assert_allclose(spread[2], 400 * row / row.sum())


def test_invalid_change_specs_fail_validation() -> None:
    """Capacity needs exactly one of factor and value; unknown types are refused."""
    with pytest.raises(ValueError, match="exactly one"):
        parse({"type": "set_capacity", "link": 0, "factor": 2, "value": 3})
    with pytest.raises(ValueError, match="tag"):
        parse({"type": "open_bridge", "link": 0})

"""The TNTP readers: the files of the collection as they are, and clear errors for bad ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mobility.errors import ValidationFailed
from mobility.traffic.tntp import InvalidNetworkFile, read_net, read_nodes, read_trips
from tests.conftest import SHARED_DATA

SIOUX_FALLS = Path(__file__).resolve().parents[3] / "data" / "tntp" / "SiouxFalls"
SHARED_TNTP = SHARED_DATA / "tntp"

NET = """<NUMBER OF ZONES> 2
<NUMBER OF NODES> 3
<FIRST THRU NODE> 3
<NUMBER OF LINKS> 2
<END OF METADATA>

~ init term cap len fft b power speed toll type ;
\t1\t3\t100\t1\t2\t0.15\t4\t0\t0\t1\t;
\t3\t2\t100\t1\t2\t0.15\t4\t0\t0\t1\t;
"""
TRIPS = """<NUMBER OF ZONES> 2
<TOTAL OD FLOW> 30.0
<END OF METADATA>

~ a comment
Origin 1
    1 :      0.0;     2 :    10.0;
Origin 2
    1 :     20.0;
"""


def write(tmp_path: Path, text: str, name: str = "x.tntp") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_sioux_falls_network() -> None:
    """The repository's Sioux Falls: 76 links, header values, the first link's ten values."""
    net = read_net(SIOUX_FALLS / "SiouxFalls_net.tntp")
    assert (net.n_zones, net.n_nodes, net.first_thru_node, net.n_links) == (24, 24, 1, 76)
    assert (net.init_node[0], net.term_node[0]) == (1, 2)
    assert net.capacity[0] == pytest.approx(25900.20064)
    assert (net.length[0], net.free_flow_time[0], net.b[0], net.power[0]) == (6, 6, 0.15, 4)
    assert (net.speed[0], net.toll[0], net.link_type[0]) == (0, 0, 1)
    assert net.init_node.dtype == np.int64
    assert net.link_type.dtype == np.int64
    assert net.capacity.dtype == np.float64
    assert net.metadata["NUMBER OF LINKS"] == "76"


def test_sioux_falls_trips_and_nodes() -> None:
    """Trips: a 24 x 24 origin-major matrix summing to the header's 360,600; nodes: 24 (x, y)."""
    demand = read_trips(SIOUX_FALLS / "SiouxFalls_trips.tntp")
    assert demand.n_zones == 24
    assert demand.matrix.shape == (24, 24)
    assert demand.total_flow == pytest.approx(360600.0)
    assert demand.matrix[0, 1] == 100.0
    assert demand.matrix[0, 9] == 1300.0
    assert demand.matrix[1, 0] == 100.0
    nodes = read_nodes(SIOUX_FALLS / "SiouxFalls_node.tntp")
    assert len(nodes) == 24
    assert nodes[1] == pytest.approx((-96.77041974, 43.61282792))


@pytest.mark.parametrize(
    ("folder", "links", "zones", "total"),
    [
        ("Anaheim", 914, 38, 104694.40),
        ("Barcelona", 2522, 110, 184679.561),
        ("Braess-Example", 5, 2, 6.0),
        ("Chicago-Sketch", 2950, 387, 1260907.44),
        ("Eastern-Massachusetts", 258, 74, 65576.375431),
        ("Winnipeg", 2836, 147, 64784.0),
        ("Berlin-Center", 28376, 865, 168222.302),
    ],
)
def test_shared_networks_read(folder: str, links: int, zones: int, total: float) -> None:
    """Every network of ../shared reads, header counts and demand totals included (their
    spacing and terminators differ: tabs, runs of spaces, '1;' glued, comments in the trips)."""
    path = SHARED_TNTP / folder
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/data is not beside the repository)")
    net = read_net(next(path.glob("*_net.tntp")))
    demand = read_trips(next(path.glob("*_trips.tntp")))
    assert net.n_links == links
    assert net.n_zones == zones == demand.n_zones
    assert demand.total_flow == pytest.approx(total, rel=1e-9)
    for node_file in path.glob("*_node.tntp"):
        assert len(read_nodes(node_file)) == net.n_nodes


def test_barcelona_keeps_tiny_b() -> None:
    """Barcelona's pre-divided B survives parsing at full precision (1e-71 is not zero)."""
    path = SHARED_TNTP / "Barcelona" / "Barcelona_net.tntp"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    net = read_net(path)
    assert net.b[net.b > 0].min() == pytest.approx(4.30113069040083e-71, rel=1e-14)
    assert net.power.max() == pytest.approx(16.83)


def test_small_files_read(tmp_path: Path) -> None:
    """A minimal network and trip table; unlisted OD cells are zero."""
    net = read_net(write(tmp_path, NET))
    assert net.init_node.tolist() == [1, 3]
    assert net.term_node.tolist() == [3, 2]
    demand = read_trips(write(tmp_path, TRIPS, "t.tntp"))
    assert demand.matrix.tolist() == [[0.0, 10.0], [20.0, 0.0]]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (NET.replace("<END OF METADATA>", "<END>"), 8, "END OF METADATA"),
        (NET.replace("<NUMBER OF LINKS> 2\n", ""), None, "<NUMBER OF LINKS>"),
        (NET.replace("<NUMBER OF LINKS> 2", "<NUMBER OF LINKS> 3"), None, "has 2"),
        (NET.replace("<NUMBER OF ZONES> 2", "<NUMBER OF ZONES> two"), None, "not an integer"),
        (NET.replace("0\t1\t;\n\t3", "0\t1\t\n\t3"), 8, "end with ';'"),
        (NET.replace("\t3\t2\t100", "\t3\t9\t100"), 9, "not in 1..3"),
        (NET.replace("\t3\t2\t100", "\t3\t3\t100"), 9, "to itself"),
        (NET.replace("\t3\t2\t100\t1\t2", "\t3\t2\t100\t1\tx"), 9, "not a number"),
        (NET.replace("\t3\t2\t100\t1\t2\t0.15", "\t3\t2\t100\t1\t-2\t0.15"), 9, "negative"),
        (NET.replace("\t3\t2\t100\t1", "\t3\t2\t0\t1"), 9, "capacity"),
        (NET.replace("\t0\t1\t;\n\t3", "\t1\t;\n\t3"), 8, "9 values"),
        (NET.replace("\t1\t;\n\t3", "\t1\t; junk\n\t3"), 8, "after ';'"),
    ],
)
def test_network_errors_name_file_and_line(
    tmp_path: Path, text: str, line: int | None, message: str
) -> None:
    """Each defect raises InvalidNetworkFile (422) naming the file, the line and the problem."""
    path = write(tmp_path, text)
    with pytest.raises(InvalidNetworkFile) as raised:
        read_net(path)
    error = raised.value
    assert message in error.detail
    assert str(path) in error.detail
    assert error.extensions == {"file": str(path), "line": line}
    if line is not None:
        assert f"line {line}:" in error.detail


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (TRIPS.replace("30.0", "31.0"), "sum to 30"),
        (TRIPS.replace("Origin 1\n", ""), "before the first 'Origin'"),
        (TRIPS.replace("1 :     20.0;", "3 :     20.0;"), "not a zone"),
        (TRIPS.replace("1 :     20.0;", "1 :     -20.0;"), "not a flow"),
        (TRIPS.replace("1 :     20.0;", "1 :     many;"), "not a number"),
        (TRIPS.replace("1 :     20.0;", "1      20.0;"), "destination : flow"),
        (TRIPS.replace("1 :     20.0;", "1 : 20.0; 1 : 0.0;").replace("30.0", "20.0"), "twice"),
        (TRIPS.replace("<NUMBER OF ZONES> 2\n", ""), "<NUMBER OF ZONES>"),
    ],
)
def test_trips_errors(tmp_path: Path, text: str, message: str) -> None:
    """Trip table defects are InvalidNetworkFile errors with a readable detail."""
    path = write(tmp_path, text)
    with pytest.raises(InvalidNetworkFile, match=message):
        read_trips(path)


def test_error_type_and_unreadable_files(tmp_path: Path) -> None:
    """The error is a 422 ValidationFailed with a stable type; a missing file is one too, and a
    node listed twice in a node file."""
    with pytest.raises(InvalidNetworkFile) as raised:
        read_net(tmp_path / "absent.tntp")
    assert isinstance(raised.value, ValidationFailed)
    problem = raised.value.to_problem()
    assert problem["status"] == 422
    assert problem["type"].endswith("/invalid-network-file")
    assert "cannot read" in problem["detail"]
    nodes = write(tmp_path, "Node X Y ;\n1 0 0 ;\n1 1 1 ;\n", "n.tntp")
    with pytest.raises(InvalidNetworkFile, match="node 1 is listed twice"):
        read_nodes(nodes)
    bad = write(tmp_path, "Node X Y ;\n1 0 ;\n", "m.tntp")
    with pytest.raises(InvalidNetworkFile, match="line 2"):
        read_nodes(bad)

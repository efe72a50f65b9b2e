"""Shared data of the road-network tests: the Sioux Falls files and a small GMNS network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

SIOUX_FALLS = Path(__file__).resolve().parents[3] / "data" / "tntp" / "SiouxFalls"
NET = SIOUX_FALLS / "SiouxFalls_net.tntp"
NODES = SIOUX_FALLS / "SiouxFalls_node.tntp"
TRIPS = SIOUX_FALLS / "SiouxFalls_trips.tntp"

# Two zones (centroids 1 and 2, the lowest ids) joined through a square of nodes 10..13.
GMNS_NODES = """node_id,name,x_coord,y_coord,zone_id
1,Porto,10.30,43.55,1
2,Interporto,10.40,43.60,2
10,,10.31,43.55,
11,,10.35,43.56,
12,,10.39,43.60,
13,,10.35,43.58,
"""
GMNS_LINKS = (
    "link_id,from_node_id,to_node_id,directed,length,lanes,free_speed,capacity,link_type,toll,"
    "vdf_alpha,vdf_beta\n"
    """c1,1,10,true,100,1,50,9999,0,,0,
c2,10,1,true,100,1,50,9999,0,,0,
a,10,11,true,5000,2,50,1800,1,,0.15,4
b,11,12,true,5000,2,100,1800,1,0.5,,
c,10,13,true,4000,1,50,1500,2,,0.15,4
d,13,12,true,4000,1,50,1500,2,,0.15,4
c3,12,2,true,100,1,50,9999,0,,0,
c4,2,12,true,100,1,50,9999,0,,0,
"""
)


def write_gmns(folder: Path, nodes: str = GMNS_NODES, links: str = GMNS_LINKS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "node.csv").write_text(nodes, encoding="utf-8")
    (folder / "link.csv").write_text(links, encoding="utf-8")
    return folder


@pytest.fixture
def gmns_dir(tmp_path: Path) -> Path:
    return write_gmns(tmp_path / "gmns")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated test database; what it commits is emptied after the test."""
    with Session(engine, expire_on_commit=False) as made:
        yield made

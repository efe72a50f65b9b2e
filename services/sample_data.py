"""The bundled sample data (a GTFS feed, the tariff file, a road network with its demand, the
freight network), loaded on the first start of the embedded default, each only while its part
of the database is empty: so every capability answers from the first request."""

from __future__ import annotations

from rich.console import Console
from sqlalchemy import select

from gtfs.importer import import_feed
from gtfs.models import Feed
from mobility.db import get_engine, session_scope
from mobility.freight.loader import load_freight_file
from mobility.freight.repository import FreightRepository
from mobility.settings import get_settings
from mobility.traffic import service as traffic
from mobility.traffic.models import TrafficNetwork
from ticketing.catalogue.loader import load_tariff_file
from ticketing.catalogue.service import current_config

SAMPLE_NETWORK_NAME = "sioux-falls"
SAMPLE_PERIOD = "am"


def load_sample_data_if_empty(console: Console) -> None:
    load_sample_tariffs_if_empty(console)
    load_sample_network_if_empty(console)
    load_sample_freight_if_empty(console)
    with session_scope() as session:
        if session.execute(select(Feed.id).limit(1)).first() is not None:
            return
    settings = get_settings()
    path = settings.sample_feed_path
    if not path.exists():
        console.print(f"sample feed {path} is missing: starting with no data")
        return
    console.print(f"first start: importing the sample feed {path.name} ...")
    result = import_feed(get_engine(), path, settings.sample_feed_id, name="CAP Prato")
    console.print(result.summary_line())


def load_sample_tariffs_if_empty(console: Console) -> None:
    """Load TARIFF_FILE when no tariff file was ever loaded, so products can be sold at once."""
    settings = get_settings()
    with session_scope() as session:
        if current_config(session) is not None:
            return
        if not settings.tariff_file.exists():
            console.print(f"tariff file {settings.tariff_file} is missing: nothing on sale")
            return
        console.print(f"first start: loading the tariffs {settings.tariff_file.name} ...")
        console.print(load_tariff_file(session, settings.tariff_file).summary_line())


def load_sample_network_if_empty(console: Console) -> None:
    """Load the TNTP folder SAMPLE_NETWORK_DIR (net, node coordinates, trips as the morning
    period) when no road network exists, so planners can run a scenario at once."""
    folder = get_settings().sample_network_dir
    files = {
        kind: next(iter(folder.glob(f"*_{kind}.tntp")), None) for kind in ("net", "node", "trips")
    }
    with session_scope() as session:
        if session.execute(select(TrafficNetwork.id).limit(1)).first() is not None:
            return
        if files["net"] is None:
            console.print(f"sample network {folder} is missing: no road network")
            return
        console.print(f"first start: importing the road network {folder.name} ...")
        network = traffic.import_tntp_network(
            session, SAMPLE_NETWORK_NAME, files["net"], files["node"], source=str(folder)
        )
        if files["trips"] is not None:
            traffic.import_tntp_trips(session, SAMPLE_NETWORK_NAME, files["trips"], "car",
                                      SAMPLE_PERIOD)  # fmt: skip
        console.print(f"network {network.name}: {network.nodes} nodes, {network.links} links")


def load_sample_freight_if_empty(console: Console) -> None:
    """Load SAMPLE_FREIGHT_FILE when no freight data set was ever loaded, so logistics firms
    can ask for routes and fleet plans at once."""
    path = get_settings().sample_freight_file
    with session_scope() as session:
        if FreightRepository(session).current_version() is not None:
            return
        if not path.exists():
            console.print(f"freight data set {path} is missing: no freight network")
            return
        console.print(f"first start: loading the freight network {path.name} ...")
        console.print(load_freight_file(session, path).summary_line())

"""The bundled sample data (a GTFS feed, the tariff file), loaded on the first start of the
embedded default."""

from __future__ import annotations

from rich.console import Console
from sqlalchemy import select

from gtfs.importer import import_feed
from gtfs.models import Feed
from mobility.db import get_engine, session_scope
from mobility.settings import get_settings
from ticketing.catalogue.loader import load_tariff_file
from ticketing.catalogue.service import current_config


def load_sample_data_if_empty(console: Console) -> None:
    load_sample_tariffs_if_empty(console)
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

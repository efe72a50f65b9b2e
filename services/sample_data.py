"""The bundled sample feed, imported on the first start of the embedded default."""

from __future__ import annotations

from rich.console import Console
from sqlalchemy import select

from gtfs.importer import import_feed
from gtfs.models import Feed
from mobility.db import get_engine, session_scope
from mobility.settings import get_settings


def load_sample_data_if_empty(console: Console) -> None:
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

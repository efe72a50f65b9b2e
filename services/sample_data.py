"""The bundled sample feed, imported on the first start of the embedded default."""

from __future__ import annotations

from rich.console import Console
from sqlalchemy import select

from gtfs.importer import import_feed
from gtfs.models import Feed
from mobility.db import get_engine, session_scope
from mobility.settings import PROJECT_ROOT, get_settings

SAMPLE_FEED = PROJECT_ROOT / "data" / "sample" / "it_prato_cap_2016.zip"


def load_sample_data_if_empty(console: Console) -> None:
    with session_scope() as session:
        if session.execute(select(Feed.id).limit(1)).first() is not None:
            return
    if not SAMPLE_FEED.exists():
        console.print(f"sample feed {SAMPLE_FEED} is missing: starting with no data")
        return
    console.print(f"first start: importing the sample feed {SAMPLE_FEED.name} ...")
    result = import_feed(get_engine(), SAMPLE_FEED, get_settings().sample_feed_id, name="CAP Prato")
    console.print(result.summary_line())

"""The embedded default's first start loads the bundled samples, once."""

from __future__ import annotations

import pytest
from rich.console import Console
from sqlalchemy import Engine, func, select

from gtfs.models import FeedVersion
from mobility.freight.models import FreightDatasetVersion, FreightTerminal
from mobility.settings import get_settings
from mobility.traffic.models import DemandMatrix, TrafficNetwork
from services.sample_data import load_sample_data_if_empty
from tests.conftest import SAMPLE_FEED, shared_feed


def _versions(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(FeedVersion)).scalar_one())


@pytest.mark.usefixtures("settings_env")
def test_sample_feed_is_imported_only_into_an_empty_database(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """First start: one import; second start: nothing more."""
    monkeypatch.setenv("SAMPLE_FEED_PATH", str(shared_feed("sample_google_sample-feed-1.zip")))
    get_settings.cache_clear()
    console = Console(file=None, quiet=True)
    load_sample_data_if_empty(console)
    assert _versions(engine) == 1
    load_sample_data_if_empty(console)
    assert _versions(engine) == 1


@pytest.mark.usefixtures("settings_env")
def test_missing_sample_feed_starts_empty(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A configured sample path that does not exist is reported, not fatal."""
    monkeypatch.setenv("SAMPLE_FEED_PATH", "/nonexistent/sample.zip")
    get_settings.cache_clear()
    load_sample_data_if_empty(Console(quiet=True))
    assert _versions(engine) == 0


def test_bundled_sample_is_the_default() -> None:
    """The default path is the Prato feed shipped in data/sample."""
    assert get_settings().sample_feed_path == SAMPLE_FEED
    assert SAMPLE_FEED.exists()


def _count(engine: Engine, table: type) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.mark.usefixtures("settings_env")
def test_road_network_and_freight_samples_load_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """First start also loads the bundled road network (with its morning demand) and the
    freight data set, so planners and logistics firms have data at once; a second start adds
    nothing."""
    monkeypatch.setenv("SAMPLE_FEED_PATH", "/nonexistent/sample.zip")  # the feed is not the point
    get_settings.cache_clear()
    for _ in range(2):
        load_sample_data_if_empty(Console(quiet=True))
        assert _count(engine, TrafficNetwork) == 1
        assert _count(engine, DemandMatrix) == 1
        assert _count(engine, FreightDatasetVersion) == 1
    assert _count(engine, FreightTerminal) > 10


@pytest.mark.usefixtures("settings_env")
def test_missing_network_and_freight_samples_are_reported(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sample paths that do not exist are reported, not fatal."""
    monkeypatch.setenv("SAMPLE_FEED_PATH", "/nonexistent/sample.zip")
    monkeypatch.setenv("SAMPLE_NETWORK_DIR", "/nonexistent/network")
    monkeypatch.setenv("SAMPLE_FREIGHT_FILE", "/nonexistent/freight.toml")
    get_settings.cache_clear()
    load_sample_data_if_empty(Console(quiet=True))
    assert _count(engine, TrafficNetwork) == 0
    assert _count(engine, FreightDatasetVersion) == 0

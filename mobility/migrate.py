"""Schema migrations: upgrade, and the start-up check that the database is at head."""

from __future__ import annotations

import importlib
from functools import lru_cache
from importlib.metadata import entry_points

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from mobility.errors import DatabaseNotMigrated

MODELS_ENTRY_POINT_GROUP = "mobility.models"


def load_model_modules() -> None:
    """Import every domain's models so `Base.metadata` knows all tables (no upward import)."""
    for ep in entry_points(group=MODELS_ENTRY_POINT_GROUP):
        importlib.import_module(ep.value)


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "mobility:migrations")
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration of this code; read once (the scripts do not change under a
    running process, and /readyz asks on every probe)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def ensure_migrated(engine: Engine) -> None:
    """Refuse to serve a database whose schema is not at the newest migration."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise DatabaseNotMigrated(
            f"database schema is at {current or 'nothing (empty database)'}, the code needs "
            f"{head}: run `mobility db upgrade` first",
            current=current,
            head=head,
        )

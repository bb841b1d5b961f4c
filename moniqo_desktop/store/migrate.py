"""Bringing a database's schema to the revision this code expects, on every open.

The migrations ship inside the package and are found next to this file (`Path(__file__).parent`),
never through an alembic.ini or the working directory, so the same call works from a checkout,
an installed wheel and a PyInstaller bundle (which must carry `store/migrations/**` as data,
.py files included, because Alembic loads revisions from files).

Developers make a new revision with::

    from alembic import command
    from moniqo_desktop.store.migrate import alembic_config
    command.revision(alembic_config("sqlite:////tmp/dev.sqlite3"), "what changed",
                     autogenerate=True, rev_id="0002")

then edit it by hand (see `versions/0001_initial.py` for the conventions).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine

from .database import BEGIN_OPTION, Location
from .errors import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An in-memory Alembic config pointing at the packaged migrations."""
    cfg = Config()
    # ConfigParser interpolation: a literal '%' must be doubled.
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the store ships at least one migration"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine, location: Location) -> None:
    """Apply any missing migrations in one transaction; refuse a database from a newer app."""
    cfg = alembic_config()
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head()
    with engine.connect() as conn:
        current = current_revision(conn)
        conn.rollback()
    if current == head:
        return
    if current is not None:
        try:
            script.get_revision(current)
        except CommandError:
            raise StoreError(
                f"the database {location.label} was written by a newer version of Moniqo Desktop "
                f"(schema revision {current!r}, this version knows up to {head!r}); update the "
                "app or choose another data directory"
            ) from None
    with engine.connect() as conn:
        conn.execution_options(**{BEGIN_OPTION: "BEGIN IMMEDIATE"})
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

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

Opening a store that is already at head - every start but the first after an update - needs
no Alembic at all: the head is read from the revision files' own `revision`/`down_revision`
lines, the database's revision from Alembic's version table with one plain SELECT, and only a
difference (or anything unusual) brings in Alembic. Importing Alembic was about a fifth of the
app's import time.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from .database import BEGIN_OPTION, Location
from .errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default, which env.py keeps
_REVISION_LINE = re.compile(r'^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$',
                            re.MULTILINE)


def alembic_config(url: str | None = None) -> "Config":
    """An in-memory Alembic config pointing at the packaged migrations."""
    from alembic.config import Config

    cfg = Config()
    # ConfigParser interpolation: a literal '%' must be doubled.
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the store ships at least one migration"
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


@lru_cache(maxsize=1)
def shipped_head() -> str | None:
    """The head revision, read from the revision files' `revision = "..."` and
    `down_revision = "..."` lines without Alembic; None unless that gives exactly one head
    (then Alembic decides). `head_revision()` is Alembic's answer; a test keeps them equal."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(found["revision"].strip("\"'"))
        down = found.get("down_revision", "None")
        if down != "None":
            if not (down[:1] in "\"'" and down[-1:] == down[:1]):
                return None  # a merge revision (a tuple): not for this shortcut
            parents.add(down.strip("\"'"))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def recorded_revision(connection: Connection) -> str | None:
    """The revision Alembic's version table records, read with plain SQL (None: no table,
    or not exactly one row)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    return str(rows[0][0]) if len(rows) == 1 else None


def upgrade_to_head(engine: Engine, location: Location) -> None:
    """Apply any missing migrations in one transaction; refuse a database from a newer app.

    A database already at head is only read (one SELECT), never handed to Alembic."""
    head = shipped_head()
    if head is not None:
        with engine.connect() as conn:
            current = recorded_revision(conn)
            conn.rollback()
        if current == head:
            return
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

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

"""Alembic environment for the store's migrations.

At run time the store hands over an open connection in `config.attributes["connection"]` (see
`store.migrate`), so no alembic.ini, URL or working directory is involved — which is what lets the
migrations run from a PyInstaller bundle. For developers, `sqlalchemy.url` in the config (set by
`store.migrate.alembic_config(url)`) makes online, offline (`sql=True`) and autogenerate runs work.

`render_as_batch` makes future ALTERs work on SQLite (copy-and-move table rebuilds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from alembic import context
from sqlalchemy import Connection, create_engine, pool
from sqlalchemy.types import TypeDecorator

from moniqo_desktop.store.models import metadata

if TYPE_CHECKING:  # autogenerate machinery is for developers; the app never loads it
    from alembic.autogenerate.api import AutogenContext

config = context.config
target_metadata = metadata


def _render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Autogenerate writes our TypeDecorators as their plain SQL type (e.g. `sa.Text()`).

    Revisions must not import app code: a later edit to a TypeDecorator would otherwise change
    what an old revision does.
    """
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


def _configure_and_run(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,
        render_item=_render_item,
        **kwargs,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit SQL text for the configured URL instead of touching a database."""
    _configure_and_run(
        url=config.get_main_option("sqlalchemy.url"),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )


def run_migrations_online() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection=connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection or sqlalchemy.url given to the store's migrations")
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            _configure_and_run(connection=conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

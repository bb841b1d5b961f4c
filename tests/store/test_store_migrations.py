"""The hand-written migrations build exactly the schema the models describe, on any database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Column, MetaData, String, Table, create_engine, inspect

from moniqo_desktop.store import Store
from moniqo_desktop.store.migrate import MIGRATIONS_DIR, alembic_config, head_revision
from moniqo_desktop.store.models import metadata as store_metadata

from store_helpers import schema_diff


def test_models_and_migrations_agree(store: Store, db_path: Path) -> None:
    assert schema_diff(f"sqlite:///{db_path}") == []


def test_the_comparison_would_notice_a_difference(store: Store, db_path: Path) -> None:
    """Guard against a vacuous check: a model change without a migration shows up."""
    changed = MetaData()
    for table in store_metadata.sorted_tables:
        table.to_metadata(changed)
    Table("orders", changed, Column("note", String(10)), extend_existing=True)
    diff = schema_diff(f"sqlite:///{db_path}", changed)
    assert any(d[0] == "add_column" and d[3].name == "note" for d in diff)


def test_migrations_live_inside_the_package() -> None:
    assert MIGRATIONS_DIR == (Path(__file__).parents[2] / "moniqo_desktop/store/migrations")
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0001_initial.py").is_file()
    versions = sorted(p.stem.split("_")[0] for p in (MIGRATIONS_DIR / "versions").glob("0*.py"))
    assert head_revision() == versions[-1]  # one chain, the newest file at its head


def test_downgrade_to_base_and_back(tmp_path: Path) -> None:
    path = tmp_path / "moniqo.sqlite3"
    Store.open(path).close()
    cfg = alembic_config(f"sqlite:///{path}")
    command.downgrade(cfg, "base")
    engine = create_engine(f"sqlite:///{path}")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()
    with Store.open(path) as s:  # the next open migrates it back up
        assert s.load_orders() == []
    assert schema_diff(f"sqlite:///{path}") == []


@pytest.mark.parametrize("url", ["postgresql+psycopg://u@localhost/moniqo", "sqlite://"])
def test_offline_sql_renders_without_sqlite_only_types(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The migration renders for PostgreSQL (no driver or server needed in offline mode)."""
    command.upgrade(alembic_config(url), "head", sql=True)
    sql = capsys.readouterr().out
    assert "CREATE TABLE orders" in sql and "CREATE TABLE position_updates" in sql
    assert not re.search(r"\b(REAL|FLOAT|NUMERIC|DECIMAL|DOUBLE)\b", sql.upper())
    if url.startswith("postgresql"):
        assert "TIMESTAMP WITH TIME ZONE" in sql and "BIGSERIAL" in sql


def test_the_head_read_from_the_revision_files_is_alembics():
    """Opening a store at head skips Alembic on the strength of `shipped_head()`: it must
    name the same head Alembic does, or a new migration would be skipped."""
    from moniqo_desktop.store.migrate import shipped_head

    assert shipped_head() == head_revision()

"""A fresh PostgreSQL schema per test, so tests on the scratch server never see each other's rows.

`fresh_schema_url()` creates schema ``t_<hex>`` in the database MONIQO_TEST_POSTGRES_URL names and
returns a URL whose connections use it as their search_path (so Alembic, the store and a server
subprocess all work inside it); `drop_schema(url)` removes it with everything in it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, make_url, text

BASE_URL = os.environ.get("MONIQO_TEST_POSTGRES_URL", "")


def fresh_schema_url() -> str:
    schema = "t_" + uuid.uuid4().hex[:12]
    engine = create_engine(BASE_URL)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()
    url = make_url(BASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def drop_schema(url: str) -> None:
    schema = make_url(url).query["options"].split("=", 1)[1]
    engine = create_engine(BASE_URL)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema's URL (skipped without MONIQO_TEST_POSTGRES_URL); dropped afterwards.
    Import it into a conftest to use it."""
    if not BASE_URL:
        pytest.skip("MONIQO_TEST_POSTGRES_URL is not set")
    pytest.importorskip("psycopg")
    url = fresh_schema_url()
    yield url
    drop_schema(url)


@pytest.fixture
def account() -> str:
    """Advisory locks and NOTIFY are per database, not per schema: a unique account each."""
    return "t" + uuid.uuid4().hex[:10]

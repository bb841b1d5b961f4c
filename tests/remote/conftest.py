"""PostgreSQL fixtures for the window-on-a-server tests (skipped without
MONIQO_TEST_POSTGRES_URL): a fresh schema per test and a unique account in it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pg_schema import BASE_URL, drop_schema, fresh_schema_url  # noqa: E402


@pytest.fixture
def pg_url() -> Iterator[str]:
    if not BASE_URL:
        pytest.skip("MONIQO_TEST_POSTGRES_URL is not set")
    pytest.importorskip("psycopg")
    url = fresh_schema_url()
    yield url
    drop_schema(url)


@pytest.fixture
def account() -> str:
    """NOTIFY is per database, not per schema: a unique account keeps tests apart."""
    return "t" + uuid.uuid4().hex[:10]

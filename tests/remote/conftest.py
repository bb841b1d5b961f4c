"""PostgreSQL fixtures for the window-on-a-server tests (skipped without
MONIQO_TEST_POSTGRES_URL): a fresh schema per test and a unique account in it."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pg_schema import account, pg_url  # noqa: E402, F401  (fixtures)

"""`moniqo-desktop serve` as a real subprocess on the scratch PostgreSQL (skipped without
MONIQO_TEST_POSTGRES_URL): a fresh schema (`pg_url`) and a unique account per test."""

from pg_schema import account, pg_url  # noqa: F401  (fixtures)

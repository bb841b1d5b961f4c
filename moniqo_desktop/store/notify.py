"""Telling windows what changed: PostgreSQL `NOTIFY` on one channel, 'moniqo'.

A window connected to a server (`--connect`) LISTENs on the channel and re-reads only what a
notification names, instead of polling the tables. The payload is JSON
``{"account": ..., "kind": ..., "ids": [...]}``; `kind` is one of `KINDS`; `ids` is sent only
when there are few (a NOTIFY payload must stay under 8000 bytes), and a notice without ids means
"re-read all of that kind".

A NOTIFY issued inside a transaction is delivered when (and only if) it commits, so a window is
never told about a row it cannot read yet. On SQLite (local mode) every call here is a no-op.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import Connection, text

CHANNEL = "moniqo"
KINDS = ("orders", "positions", "balances", "prices", "command", "heartbeat")
MAX_PAYLOAD = 7900  # bytes; PostgreSQL refuses 8000 and more
MAX_IDS = 50  # more than this and the window re-reads the kind whole anyway


def payload(account: str, kind: str, ids: Iterable[str] | None = None) -> str:
    """The notification text; `ids` dropped when many or too long (the window then re-reads
    everything of `kind`)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r} (one of {', '.join(KINDS)})")
    body: dict[str, object] = {"account": account, "kind": kind}
    id_list = sorted(set(ids)) if ids is not None else []
    if id_list and len(id_list) <= MAX_IDS:
        with_ids = json.dumps({**body, "ids": id_list}, separators=(",", ":"))
        if len(with_ids.encode()) <= MAX_PAYLOAD:
            return with_ids
    return json.dumps(body, separators=(",", ":"))


def parse(text_: str) -> dict[str, object] | None:
    """A notification's payload as a dict, or None when it is not one of ours."""
    try:
        body = json.loads(text_)
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("kind") not in KINDS or "account" not in body:
        return None
    return body


def send(conn: Connection, account: str, kind: str, ids: Iterable[str] | None = None) -> None:
    """NOTIFY within `conn`'s transaction (delivered on commit); nothing on SQLite."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(text("SELECT pg_notify(:channel, :payload)"),
                 {"channel": CHANNEL, "payload": payload(account, kind, ids)})


__all__ = ["CHANNEL", "KINDS", "parse", "payload", "send"]

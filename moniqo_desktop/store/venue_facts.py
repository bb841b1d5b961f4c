"""What a server engine knows about its venue that the tables do not hold, kept for its windows.

Orders, positions and their updates are rows already; the markets (symbols and their rules),
the balances the venue last reported, the last prices and the server's poll interval live only
in the serving engine's memory. A window started with `--connect` needs them for its order form
and its strip, and must not ask the venue itself (it has no keys), so the server writes each
one as a small document in `app_state` under ``server:<account>:<name>`` and NOTIFYs in the same
transaction (delivered on commit, so a window never hears about a value it cannot read yet).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..domain.orders import utcnow
from . import notify, state_codec
from .models import app_state
from .repository import Store, _upsert

FACTS = ("markets", "balances", "prices", "venue")
"""markets: {symbol: MarketInfo fields}; balances: {"balances": {cur: [free, total]}, "as_of",
"stale"}; prices: {"prices": {symbol: price}, "at"}; venue: {"poll_interval", "fee_rate",
"allow_short", "name"}."""


def key(account: str, name: str) -> str:
    if name not in FACTS:
        raise ValueError(f"unknown venue fact {name!r} (one of {', '.join(FACTS)})")
    return f"server:{account}:{name}"


def write_fact(store: Store, account: str, name: str, value: Any,
               kind: str | None = None) -> None:
    """Save one fact and NOTIFY `kind` (the notification kind a window refreshes on; none
    when None) in one transaction."""
    text = state_codec.dumps(value)  # an unstorable value fails before the database is touched
    with store._transaction("save a venue fact", write=True) as conn:
        _upsert(conn, app_state, [{"key": key(account, name), "value": text,
                                   "updated_at": utcnow()}], "key")
        if kind is not None:
            notify.send(conn, account, kind)


def read_facts(store: Store, account: str, *names: str) -> dict[str, Any]:
    """The named facts (all when none named) that the server has written; missing ones absent."""
    wanted = {key(account, n): n for n in (names or FACTS)}
    with store._transaction("read venue facts", write=False) as conn:
        rows = conn.execute(select(app_state.c.key, app_state.c.value)
                            .where(app_state.c.key.in_(list(wanted)))).all()
    return {wanted[k]: state_codec.loads(v) for k, v in rows}


__all__ = ["FACTS", "key", "read_facts", "write_fact"]

"""The schema: one table per thing the app must remember across restarts.

These tables are the source of truth for the schema that `migrations/` builds; a test compares the
two so they cannot drift. The repository reads and writes them with Core statements (bulk, no
per-row ORM objects), then builds pure domain objects — so nothing outside `store` ever sees a row.

They are SQLAlchemy Core `Table`s, not declarative ORM classes: nothing here maps rows to
objects (the domain's dataclasses are built by `mapping`), and importing `sqlalchemy.orm` only to
declare tables cost about a third of a second on every start.

Portability: only generic types (strings, TEXT, booleans, integers, DateTime) and our
`TypeDecorator`s, so the same tables run on SQLite and PostgreSQL. Money is TEXT (see `types`).

Orders and positions point at each other by id *without* foreign keys on purpose: the engine saves
an exit order and its position in either order (or in one `save`), and a FK cycle between the two
tables would force an insert order the domain does not know about. Child rows (fills, status
history, price updates) do have cascading foreign keys to their parent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from ..domain import (
    ExitReason,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    PositionStatus,
)
from .types import DecimalText, EnumText, FeeList, UTCDateTime

# Deterministic constraint names: needed by SQLite batch migrations and by PostgreSQL ALTERs.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
"""Every table of the store (Alembic's `target_metadata`)."""

ID = String(64)  # our own ids (uuid4 hex today)
EXTERNAL_ID = String(128)  # ids chosen by exchanges or by other clients
SYMBOL = String(64)
CURRENCY = String(32)
MONEY = DecimalText()
WHEN = UTCDateTime()

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key for the
# high-volume update log.
AUTO_ID = BigInteger().with_variant(Integer(), "sqlite")


def required(name: str, type_: Any, *args: Any, **kwargs: Any) -> Column[Any]:
    """A NOT NULL column."""
    return Column(name, type_, *args, nullable=False, **kwargs)


def optional(name: str, type_: Any, *args: Any, **kwargs: Any) -> Column[Any]:
    """A column that may hold NULL."""
    return Column(name, type_, *args, nullable=True, **kwargs)


def key(name: str, type_: Any, *args: Any, **kwargs: Any) -> Column[Any]:
    """(Part of) the primary key."""
    return Column(name, type_, *args, primary_key=True, **kwargs)


def _parent(table: str) -> ForeignKey:
    return ForeignKey(f"{table}.id", ondelete="CASCADE")


def _trade() -> list[Column[Any]]:
    """What a fill records, ours and the paper venue's alike (fresh columns for each table)."""
    return [
        required("amount", MONEY),
        required("price", MONEY),
        required("fee", MONEY),
        optional("fee_currency", CURRENCY),
        optional("at", WHEN),
    ]


orders = Table(
    # One `domain.Order` without its lists (fills and history have their own tables).
    "orders", metadata,
    key("id", ID),
    required("client_order_id", EXTERNAL_ID, unique=True),
    optional("exchange_order_id", EXTERNAL_ID, index=True),
    required("intent", EnumText(OrderIntent)),
    optional("position_id", ID, index=True),
    required("symbol", SYMBOL),
    required("side", EnumText(OrderSide)),
    required("type", EnumText(OrderType)),
    required("amount", MONEY),
    optional("price", MONEY),
    optional("stop_price", MONEY),
    required("status", EnumText(OrderStatus), index=True),
    required("created_at", WHEN),
    # `Order.protection`: what the position this entry opens must get. Kept across a restart
    # between placing the entry and its fill, or the position would open unprotected.
    # `has_protection` tells None from a Protection whose levels are all None.
    required("has_protection", Boolean),
    optional("protection_stop_loss", MONEY),
    optional("protection_take_profit", MONEY),
    optional("protection_trailing_stop_percent", MONEY),
    optional("protection_trailing_activation_percent", MONEY),
    optional("protection_break_even_percent", MONEY),
    # `Order.exit_decision` as JSON text (exact Decimal strings): why an exit order was sent
    optional("exit_decision", Text),
)

order_fills = Table(
    # One `domain.Fill`: `seq` keeps the list order, the (order_id, fill_id) key idempotence.
    "order_fills", metadata,
    key("order_id", ID, _parent("orders")),
    key("fill_id", EXTERNAL_ID),
    required("seq", Integer),
    *_trade(),
    required("other_fees", FeeList(), server_default="[]"),
)

order_status_history = Table(
    # One `domain.StatusChange`; the history is append-only, `sequence` is its list index.
    "order_status_history", metadata,
    key("order_id", ID, _parent("orders")),
    key("sequence", Integer, autoincrement=False),
    required("status", EnumText(OrderStatus)),
    required("reason", Text),
    required("at", WHEN),
)

positions = Table(
    # Every persisted field of `domain.Position` (risk thresholds are settings, not state).
    "positions", metadata,
    key("id", ID),
    required("symbol", SYMBOL),
    required("side", EnumText(PositionSide)),
    required("status", EnumText(PositionStatus), index=True),
    required("amount", MONEY),
    required("entry_price", MONEY),
    required("entry_fees", MONEY),
    required("opened_at", WHEN),
    optional("entry_order_id", ID, index=True),
    optional("current_price", MONEY),
    optional("high_water_mark", MONEY),
    optional("low_water_mark", MONEY),
    required("max_drawdown", MONEY),
    optional("updated_at", WHEN),
    # protection
    optional("stop_loss", MONEY),
    optional("take_profit", MONEY),
    optional("trailing_stop_percent", MONEY),
    optional("trailing_activation_percent", MONEY),
    optional("break_even_percent", MONEY),
    optional("liquidation_price", MONEY),
    required("stop_source", EnumText(ExitReason)),
    required("break_even_armed", Boolean),
    optional("typed_stop_loss", MONEY),
    # exit
    optional("exit_order_id", ID),
    optional("pending_exit_reason", EnumText(ExitReason)),
    optional("exit_price", MONEY),
    required("exit_fees", MONEY),
    required("realized_pnl", MONEY),
    optional("close_reason", EnumText(ExitReason)),
    optional("closed_at", WHEN),
    required("dust", MONEY, server_default="0"),
)

position_updates = Table(
    # A sampled mark-to-market of one position (the chart's data), pruned by age.
    "position_updates", metadata,
    key("id", AUTO_ID, autoincrement=True),
    required("position_id", ID, _parent("positions")),
    required("at", WHEN),
    required("price", MONEY),
    required("unrealized_pnl", MONEY),
    required("drawdown", MONEY),
    optional("stop_loss", MONEY),
    required("high_water_mark", MONEY),
    required("low_water_mark", MONEY),
    # the chart's read, index-only (migration 0007): keep in step with CHART_COLUMNS there
    Index("ix_position_updates_chart", "position_id", "at", "id", "price", "drawdown",
          "stop_loss", "high_water_mark", "low_water_mark"),
    Index("ix_position_updates_at", "at"),
)

app_state = Table(
    # Small named JSON documents (e.g. the paper exchange's account) kept between runs.
    "app_state", metadata,
    key("key", String(128)),
    required("value", Text),
    required("updated_at", WHEN),
)


# -- the paper venue's own books (see store/paper_journal.py) ------------------------------------
# The paper exchange is a venue that lives in our process, so its account lives in our store:
# written by the venue itself, change by change, before it answers a call. `venue` is the paper
# exchange's id, so one store could keep several paper accounts apart.

paper_orders = Table(
    # One order on the paper venue's side; `body` holds the rest of the venue's record (JSON).
    "paper_orders", metadata,
    key("venue", String(32)),
    key("id", EXTERNAL_ID),
    optional("client_order_id", EXTERNAL_ID),
    required("symbol", SYMBOL),
    required("status", EnumText(OrderStatus), index=True),
    required("seq", Integer),
    required("created_at", WHEN),
    optional("closed_at", WHEN),
    required("body", Text),
    Index("ix_paper_orders_venue_client_order_id", "venue", "client_order_id"),
)

paper_fills = Table(
    # One trade of the paper venue (append-only).
    "paper_fills", metadata,
    key("venue", String(32)),
    key("fill_id", EXTERNAL_ID),
    required("order_id", EXTERNAL_ID, index=True),
    required("seq", Integer),
    *_trade(),
)

paper_balances = Table(
    # The paper account's total per currency (what open orders hold is derived from them).
    "paper_balances", metadata,
    key("venue", String(32)),
    key("currency", CURRENCY),
    required("total", MONEY),
)

paper_meta = Table(
    # Small named values of the paper venue: id counters, markets, deposits, last prices.
    "paper_meta", metadata,
    key("venue", String(32)),
    key("key", String(128)),
    required("value", Text),
)


# -- a server engine and its windows (see store/commands.py) --------------------------------------
# `moniqo-desktop serve` runs the engine on a server; windows started with `--connect` read the
# same tables and ask for actions through `commands`. Both are keyed by the account, the same key
# the server's PostgreSQL advisory lock uses (store/instance_lock.py).

engine_heartbeats = Table(
    # The serving engine of one account: who it is, and when it last showed it is alive.
    "engine_heartbeats", metadata,
    key("account", String(128)),
    required("host", String(255)),
    required("pid", Integer),
    required("exchange", String(64)),
    required("mode", String(16)),  # 'paper' | 'live' | 'testnet'
    required("version", String(64)),
    required("started_at", WHEN),
    required("beat_at", WHEN),
    optional("stopped_at", WHEN),
)

commands = Table(
    # One user action a window asked the server for; `id` (the client's uuid4 hex) is the
    # idempotency key: the server executes each id once.
    "commands", metadata,
    key("id", ID),
    required("account", String(128)),
    required("kind", String(32)),
    required("payload", Text),
    required("status", String(16)),  # 'queued' | 'running' | 'done' | 'refused'
    optional("result", Text),
    optional("error", Text),
    required("client", String(255)),
    required("created_at", WHEN),
    optional("started_at", WHEN),
    optional("finished_at", WHEN),
    Index("ix_commands_account_status", "account", "status"),
)

"""The schema: one table per thing the app must remember across restarts.

These classes are the source of truth for the schema that `migrations/` builds; a test compares the
two so they cannot drift. The repository reads and writes through their tables with Core
statements (bulk, no per-row ORM objects), then builds pure domain objects — so nothing outside
`store` ever sees a row.

Portability: only generic types (strings, TEXT, booleans, integers, DateTime) and our
`TypeDecorator`s, so the same models run on SQLite and PostgreSQL. Money is TEXT (see `types`).

Orders and positions point at each other by id *without* foreign keys on purpose: the engine saves
an exit order and its position in either order (or in one `save`), and a FK cycle between the two
tables would force an insert order the domain does not know about. Child rows (fills, status
history, price updates) do have cascading foreign keys to their parent.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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

ID = String(64)  # our own ids (uuid4 hex today)
EXTERNAL_ID = String(128)  # ids chosen by exchanges or by other clients
SYMBOL = String(64)
CURRENCY = String(32)

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key for the
# high-volume update log.
AUTO_ID = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        Decimal: DecimalText(),
        datetime: UTCDateTime(),
    }


class OrderRow(Base):
    """One `domain.Order` without its lists (fills and history have their own tables)."""


    __tablename__ = "orders"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    client_order_id: Mapped[str] = mapped_column(EXTERNAL_ID, unique=True)
    exchange_order_id: Mapped[str | None] = mapped_column(EXTERNAL_ID, index=True)
    intent: Mapped[OrderIntent] = mapped_column(EnumText(OrderIntent))
    position_id: Mapped[str | None] = mapped_column(ID, index=True)
    symbol: Mapped[str] = mapped_column(SYMBOL)
    side: Mapped[OrderSide] = mapped_column(EnumText(OrderSide))
    type: Mapped[OrderType] = mapped_column(EnumText(OrderType))
    amount: Mapped[Decimal]
    price: Mapped[Decimal | None]
    stop_price: Mapped[Decimal | None]
    status: Mapped[OrderStatus] = mapped_column(EnumText(OrderStatus), index=True)
    created_at: Mapped[datetime]
    # `Order.protection`: what the position this entry opens must get. Kept across a restart
    # between placing the entry and its fill, or the position would open unprotected.
    # `has_protection` tells None from a Protection whose levels are all None.
    has_protection: Mapped[bool] = mapped_column(Boolean)
    protection_stop_loss: Mapped[Decimal | None]
    protection_take_profit: Mapped[Decimal | None]
    protection_trailing_stop_percent: Mapped[Decimal | None]
    protection_trailing_activation_percent: Mapped[Decimal | None]
    protection_break_even_percent: Mapped[Decimal | None]
    # `Order.exit_decision` as JSON text (exact Decimal strings): why an exit order was sent
    exit_decision: Mapped[str | None] = mapped_column(Text)


class FillRow(Base):
    """One `domain.Fill`: `seq` keeps the list order, the (order_id, fill_id) key idempotence."""

    __tablename__ = "order_fills"

    order_id: Mapped[str] = mapped_column(
        ID, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    fill_id: Mapped[str] = mapped_column(EXTERNAL_ID, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal]
    price: Mapped[Decimal]
    fee: Mapped[Decimal]
    fee_currency: Mapped[str | None] = mapped_column(CURRENCY)
    at: Mapped[datetime | None]
    other_fees: Mapped[tuple] = mapped_column(FeeList(), server_default="[]")


class OrderStatusRow(Base):
    """One `domain.StatusChange`; the history is append-only, `sequence` is its list index."""

    __tablename__ = "order_status_history"

    order_id: Mapped[str] = mapped_column(
        ID, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status: Mapped[OrderStatus] = mapped_column(EnumText(OrderStatus))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class PositionRow(Base):
    """Every persisted field of `domain.Position` (risk thresholds are settings, not state)."""

    __tablename__ = "positions"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    symbol: Mapped[str] = mapped_column(SYMBOL)
    side: Mapped[PositionSide] = mapped_column(EnumText(PositionSide))
    status: Mapped[PositionStatus] = mapped_column(EnumText(PositionStatus), index=True)
    amount: Mapped[Decimal]
    entry_price: Mapped[Decimal]
    entry_fees: Mapped[Decimal]
    opened_at: Mapped[datetime]
    entry_order_id: Mapped[str | None] = mapped_column(ID, index=True)
    current_price: Mapped[Decimal | None]
    high_water_mark: Mapped[Decimal | None]
    low_water_mark: Mapped[Decimal | None]
    max_drawdown: Mapped[Decimal]
    updated_at: Mapped[datetime | None]
    # protection
    stop_loss: Mapped[Decimal | None]
    take_profit: Mapped[Decimal | None]
    trailing_stop_percent: Mapped[Decimal | None]
    trailing_activation_percent: Mapped[Decimal | None]
    break_even_percent: Mapped[Decimal | None]
    liquidation_price: Mapped[Decimal | None]
    stop_source: Mapped[ExitReason] = mapped_column(EnumText(ExitReason))
    break_even_armed: Mapped[bool] = mapped_column(Boolean)
    typed_stop_loss: Mapped[Decimal | None]
    # exit
    exit_order_id: Mapped[str | None] = mapped_column(ID)
    pending_exit_reason: Mapped[ExitReason | None] = mapped_column(EnumText(ExitReason))
    exit_price: Mapped[Decimal | None]
    exit_fees: Mapped[Decimal]
    realized_pnl: Mapped[Decimal]
    close_reason: Mapped[ExitReason | None] = mapped_column(EnumText(ExitReason))
    closed_at: Mapped[datetime | None]
    dust: Mapped[Decimal] = mapped_column(server_default="0")


class PositionUpdateRow(Base):
    """A sampled mark-to-market of one position (the chart's data), pruned by age."""

    __tablename__ = "position_updates"
    __table_args__ = (
        Index("ix_position_updates_position_id_at", "position_id", "at"),
        Index("ix_position_updates_at", "at"),
    )

    id: Mapped[int] = mapped_column(AUTO_ID, primary_key=True, autoincrement=True)
    position_id: Mapped[str] = mapped_column(
        ID, ForeignKey("positions.id", ondelete="CASCADE")
    )
    at: Mapped[datetime]
    price: Mapped[Decimal]
    unrealized_pnl: Mapped[Decimal]
    drawdown: Mapped[Decimal]
    stop_loss: Mapped[Decimal | None]
    high_water_mark: Mapped[Decimal]
    low_water_mark: Mapped[Decimal]


class AppStateRow(Base):
    """Small named JSON documents (e.g. the paper exchange's account) kept between runs."""

    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


# The Core tables the repository's bulk statements use.
orders = cast(Table, OrderRow.__table__)
order_fills = cast(Table, FillRow.__table__)
order_status_history = cast(Table, OrderStatusRow.__table__)
positions = cast(Table, PositionRow.__table__)
position_updates = cast(Table, PositionUpdateRow.__table__)
app_state = cast(Table, AppStateRow.__table__)


# -- the paper venue's own books (see store/paper_journal.py) ------------------------------------
# The paper exchange is a venue that lives in our process, so its account lives in our store:
# written by the venue itself, change by change, before it answers a call. `venue` is the paper
# exchange's id, so one store could keep several paper accounts apart.


class PaperOrderRow(Base):
    """One order on the paper venue's side; `body` holds the rest of the venue's record (JSON)."""

    __tablename__ = "paper_orders"
    __table_args__ = (Index("ix_paper_orders_venue_client_order_id", "venue", "client_order_id"),)

    venue: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(EXTERNAL_ID, primary_key=True)
    client_order_id: Mapped[str | None] = mapped_column(EXTERNAL_ID)
    symbol: Mapped[str] = mapped_column(SYMBOL)
    status: Mapped[OrderStatus] = mapped_column(EnumText(OrderStatus), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    body: Mapped[str] = mapped_column(Text)


class PaperFillRow(Base):
    """One trade of the paper venue (append-only)."""

    __tablename__ = "paper_fills"

    venue: Mapped[str] = mapped_column(String(32), primary_key=True)
    fill_id: Mapped[str] = mapped_column(EXTERNAL_ID, primary_key=True)
    order_id: Mapped[str] = mapped_column(EXTERNAL_ID, index=True)
    seq: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal]
    price: Mapped[Decimal]
    fee: Mapped[Decimal]
    fee_currency: Mapped[str | None] = mapped_column(CURRENCY)
    at: Mapped[datetime | None]


class PaperBalanceRow(Base):
    """The paper account's total per currency (what open orders hold is derived from them)."""

    __tablename__ = "paper_balances"

    venue: Mapped[str] = mapped_column(String(32), primary_key=True)
    currency: Mapped[str] = mapped_column(CURRENCY, primary_key=True)
    total: Mapped[Decimal]


class PaperMetaRow(Base):
    """Small named values of the paper venue: id counters, markets, deposits, last prices."""

    __tablename__ = "paper_meta"

    venue: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


paper_orders = cast(Table, PaperOrderRow.__table__)
paper_fills = cast(Table, PaperFillRow.__table__)
paper_balances = cast(Table, PaperBalanceRow.__table__)
paper_meta = cast(Table, PaperMetaRow.__table__)


# -- a server engine and its windows (see store/commands.py) --------------------------------------
# `moniqo-desktop serve` runs the engine on a server; windows started with `--connect` read the
# same tables and ask for actions through `commands`. Both are keyed by the account, the same key
# the server's PostgreSQL advisory lock uses (store/instance_lock.py).


class EngineHeartbeatRow(Base):
    """The serving engine of one account: who it is, and when it last showed it is alive."""

    __tablename__ = "engine_heartbeats"

    account: Mapped[str] = mapped_column(String(128), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    exchange: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))  # 'paper' | 'live' | 'testnet'
    version: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]


class CommandRow(Base):
    """One user action a window asked the server for; `id` (the client's uuid4 hex) is the
    idempotency key: the server executes each id once."""

    __tablename__ = "commands"
    __table_args__ = (Index("ix_commands_account_status", "account", "status"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    account: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # 'queued' | 'running' | 'done' | 'refused'
    result: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    client: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


engine_heartbeats = cast(Table, EngineHeartbeatRow.__table__)
commands = cast(Table, CommandRow.__table__)

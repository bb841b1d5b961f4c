"""Migration 0002 on a database written by the schema before netting (revision 0001).

Rows are written as 0001 stored them (every position column but `dust`), including the issue's
own case: a long and a "short" of one symbol that together are what the account holds.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from moniqo_desktop.domain import Order, Position, PositionStatus
from moniqo_desktop.store import Store
from moniqo_desktop.store.mapping import order_row, position_row
from moniqo_desktop.store.migrate import alembic_config
from moniqo_desktop.store.models import orders, positions

D = Decimal
T0 = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)


def old_database(path: Path, items: list[Position], order_list: list[Order] = ()) -> None:
    url = f"sqlite:///{path}"
    command.upgrade(alembic_config(url), "0001")
    engine = sa.create_engine(url)
    old_positions = sa.Table("positions", sa.MetaData(), autoload_with=engine)
    with engine.begin() as conn:
        for p in items:
            row = position_row(p)
            row.pop("dust")
            row.pop("typed_stop_loss")  # added by 0003
            conn.execute(old_positions.insert().values(
                {k: (format(v, "f") if isinstance(v, Decimal) else
                     v.value if hasattr(v, "value") else v) for k, v in row.items()}))
        for o in order_list:
            row = order_row(o)
            row.pop("exit_decision")  # added by 0003
            conn.execute(orders.insert().values(row))
        conn.execute(sa.text(
            "INSERT INTO position_updates (position_id, at, price, unrealized_pnl, drawdown, "
            "high_water_mark, low_water_mark) VALUES (:p, :at, '1', '0', '0', '1', '1')"),
            [{"p": p.id, "at": T0} for p in items])
    engine.dispose()


def pos(symbol, side, amount, entry, fees, minutes, **kw) -> Position:
    return Position(symbol=symbol, side=side, amount=D(amount), entry_price=D(entry),
                    entry_fees=D(fees), opened_at=T0 + timedelta(minutes=minutes), **kw)


def test_open_positions_of_a_symbol_merge_into_one(tmp_path: Path) -> None:
    first = pos("BTC/USDT", "long", "0.1", "50000", "5", 0, stop_loss=D("45000"))
    second = pos("BTC/USDT", "long", "0.3", "54000", "16.2", 10, stop_loss=D("50000"),
                 take_profit=D("60000"))
    closed = pos("BTC/USDT", "long", "1", "40000", "40", -60)
    closed.close(order_id="x", price=D("41000"), reason="manual", fees=D("41"))
    eth = pos("ETH/USDT", "long", "2", "3000", "6", 5)
    exit_order = Order(symbol="BTC/USDT", side="sell", type="market", amount=D("0.3"),
                       intent="exit", position_id=second.id)
    path = tmp_path / "old.sqlite3"
    old_database(path, [first, second, closed, eth], [exit_order])

    with Store.open(path) as store:
        loaded = {p.id: p for p in store.load_positions()}
        assert set(loaded) == {first.id, closed.id, eth.id}
        merged = loaded[first.id]
        assert merged.status is PositionStatus.OPEN and merged.opened_at == first.opened_at
        assert merged.amount == D("0.4")
        assert merged.entry_price == D("53000")  # (0.1·50000 + 0.3·54000) / 0.4
        assert merged.entry_fees == D("21.2")
        assert (merged.stop_loss, merged.take_profit) == (D("50000"), D("60000"))  # newest
        assert merged.dust == 0
        # closed ones stay as they are; another symbol is untouched
        assert loaded[closed.id].realized_pnl == closed.realized_pnl == D("919")
        assert loaded[eth.id].amount == D("2")
        # the merged row's orders and chart history now belong to the survivor
        assert store.get_order(exit_order.id).position_id == first.id
        assert len(store.position_updates(first.id)) == 2


def test_a_long_and_a_short_of_one_symbol_net_to_what_is_held(tmp_path: Path) -> None:
    """The issue's table: Long 0.01 and Short 0.01 while the account holds 0 BTC."""
    long = pos("BTC/USDT", "long", "0.01", "50000", "0.5", 0)
    short = pos("BTC/USDT", "short", "0.01", "49950", "0.4995", 1)
    bigger = pos("ETH/USDT", "long", "1", "3000", "3", 0)
    smaller = pos("ETH/USDT", "short", "0.25", "3100", "0.775", 2)
    path = tmp_path / "old.sqlite3"
    old_database(path, [long, short, bigger, smaller])

    with Store.open(path) as store:
        loaded = {p.id: p for p in store.load_positions()}
        assert set(loaded) == {long.id, bigger.id}
        btc = loaded[long.id]
        assert btc.status is PositionStatus.CLOSED
        assert btc.realized_pnl == D("-50") * D("0.01") - D("0.5") - D("0.4995")
        eth = loaded[bigger.id]
        assert eth.status is PositionStatus.OPEN and eth.amount == D("0.75")
        # (3100 − 3000)·0.25 − 3·0.25/1 − 0.775
        assert eth.realized_pnl == D("25") - D("0.75") - D("0.775")
        assert eth.entry_fees == D("2.25")

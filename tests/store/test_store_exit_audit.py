"""The exit decision travels with its order, and the typed stop with its position, through the
store and through the migration that added them."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from moniqo_desktop.domain import ExitReason, ExitRecord, Order, Position
from moniqo_desktop.domain.exits import check_exits
from moniqo_desktop.store import Store
from moniqo_desktop.store.migrate import alembic_config

D = Decimal
T = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)


def test_an_exit_orders_decision_comes_back_exactly(store: Store, db_path: Path) -> None:
    position = Position(symbol="BTC/USDT", side="long", amount=D("0.01"),
                        entry_price=D("50000"), opened_at=T)
    position.set_protection(stop_loss=D("48000"), trailing_stop_percent=D("2"))
    check_exits(position, D("53000"), T)
    decision = check_exits(position, D("51900"), T)
    assert decision is not None and decision.reason is ExitReason.TRAILING_STOP
    record = ExitRecord.of(position, decision.reason, decision)
    order = Order(symbol="BTC/USDT", side="sell", type="market", amount=D("0.01"),
                  intent="exit", position_id=position.id, exit_decision=record)
    store.save(order, position)
    store.close()
    with Store.open(db_path) as again:
        loaded = next(o for o in again.load_orders() if o.id == order.id)
        back = next(p for p in again.load_positions() if p.id == position.id)
    assert loaded.exit_decision == record
    assert record.level == D("51940.00") and record.water_mark == D("53000")
    assert record.trailing_percent == D("2") and record.trigger_price == D("51900")
    assert record.source_text() == "level 51940.00, from HWM 53000.00 − 2 %"
    assert back.typed_stop_loss == D("48000") and back.stop_loss == D("51940.00")


def test_an_order_without_a_decision_stays_without(store: Store) -> None:
    order = Order(symbol="BTC/USDT", side="buy", type="market", amount=D("0.01"))
    store.save(order)
    assert store.load_orders()[0].exit_decision is None


def test_the_migration_keeps_an_open_positions_own_stop_as_the_typed_one(tmp_path: Path) -> None:
    path = tmp_path / "moniqo.sqlite3"
    with Store.open(path) as s:
        own = Position(symbol="BTC/USDT", side="long", amount=D("1"), entry_price=D("100"))
        own.set_protection(stop_loss=D("90"))
        trailed = Position(symbol="ETH/USDT", side="long", amount=D("1"), entry_price=D("100"))
        trailed.set_protection(trailing_stop_percent=D("5"))
        check_exits(trailed, D("120"), T)
        s.save(own, trailed)
    command.downgrade(alembic_config(f"sqlite:///{path}"), "0003")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        columns = [r[1] for r in conn.execute(text("PRAGMA table_info(positions)"))]
    engine.dispose()
    assert "typed_stop_loss" not in columns
    with Store.open(path) as s:  # migrates up again
        loaded = {p.symbol: p for p in s.load_positions()}
    assert loaded["BTC/USDT"].typed_stop_loss == D("90")
    assert loaded["ETH/USDT"].typed_stop_loss is None and loaded["ETH/USDT"].stop_loss == D("114.00")

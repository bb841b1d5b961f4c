"""An engine scenario on a real ccxt Binance client answered by recorded payloads.

Same public Engine API as the paper scenarios: the order is written, sent with our client id,
synced through a partial fill (one batched open-orders call) to FILLED, and becomes a position.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from moniqo_desktop.domain import OrderStatus, PositionStatus
from moniqo_desktop.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exchanges"))

from ccxt_replay import Replay, SleepRecorder, replayed  # noqa: E402

D = Decimal


async def test_limit_entry_partial_then_filled_opens_position(db_path, settings, clock):
    replay = Replay("binance").add("exchange_info", "account")
    exchange = replayed("binance", replay, SleepRecorder())
    engine = await Engine.open(db_path, exchange, settings=settings, clock=clock)
    try:
        replay.add("order_limit_new", "account")
        order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                         amount="0.01", price="55000", stop_loss="50000")
        sent = replay.last("POST", "/api/v3/order")
        assert sent.params["newClientOrderId"] == order.client_order_id
        assert order.status is OrderStatus.OPEN
        assert [h.status for h in engine.ctx.store.get_order(order.id).history][:2] == [
            OrderStatus.PENDING, OrderStatus.SUBMITTED]

        replay.add("open_orders", "tickers", "account")
        await engine.run_cycle()
        assert order.status is OrderStatus.PARTIALLY_FILLED
        assert order.filled_amount == D("0.004")
        [position] = engine.positions()
        assert position.status is PositionStatus.OPENING and position.amount == D("0.004")
        assert engine.last_prices()["BTC/USDT"] == D("60000")

        replay.add("open_orders_empty", "order_limit_filled", "tickers", "account")
        await engine.run_cycle()
        assert order.status is OrderStatus.FILLED
        assert order.filled_amount == D("0.01")
        assert order.average_fill_price == D("54999.4")
        assert position.status is PositionStatus.OPEN and position.amount == D("0.01")
        assert position.entry_price == D("54999.4")
        assert position.stop_loss == D("50000")
        assert not replay.unmatched and not replay.pending()
    finally:
        await engine.close()

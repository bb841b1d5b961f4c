"""An engine scenario on a real ccxt Binance client answered by recorded payloads.

Same public Engine API as the paper scenarios: the order is written, sent with our client id,
synced through a partial fill (one batched open-orders call) to FILLED, and becomes a position.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from moniqo_desktop.domain import ExitReason, OrderIntent, OrderStatus, PositionStatus
from moniqo_desktop.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exchanges"))

from ccxt_replay import Replay, SleepRecorder, replayed  # noqa: E402

D = Decimal


async def test_limit_entry_partial_then_filled_opens_position(db_path, settings, clock):
    replay = Replay("binance", echo_client_ids=True).add("exchange_info", "account")
    exchange = replayed("binance", replay, SleepRecorder())
    engine = await Engine.open(db_path, exchange, settings=settings, clock=clock)
    try:
        # The stop is checked against a fresh price: one ticker read first.
        replay.add("ticker_btcusdt", "order_limit_new", "account")
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

        replay.add("open_orders_empty", "order_limit_filled", "tickers",
                   "order_stop_loss_protect", "account")
        await engine.run_cycle()
        assert order.status is OrderStatus.FILLED
        assert order.filled_amount == D("0.01")
        assert order.average_fill_price == D("54999.4")
        assert position.status is PositionStatus.OPEN and position.amount == D("0.01")
        assert position.entry_price == D("54999.4")
        assert position.stop_loss == D("50000")
        # The stop now rests on Binance too, so it protects while the app is closed.
        stop = replay.last("POST", "/api/v3/order").params
        assert (stop["type"], stop["side"], stop["quantity"], stop["stopPrice"]) == (
            "STOP_LOSS", "SELL", "0.01", "50000")
        [resting] = [o for o in engine.orders() if o.intent is OrderIntent.PROTECT]
        assert stop["newClientOrderId"] == resting.client_order_id
        assert resting.status is OrderStatus.OPEN
        assert not replay.unmatched and not replay.pending()
    finally:
        await engine.close()

    # The app is closed; the market falls through the stop; Binance sells. On the next start,
    # reconciliation finds the filled stop and closes the position, with no order of ours sent.
    replay = Replay("binance", echo_client_ids=True, client_ids=replay.client_ids).add(
        "exchange_info", "open_orders_empty", "order_stop_loss_protect_filled", "account")
    exchange = replayed("binance", replay, SleepRecorder())
    again = await Engine.open(db_path, exchange, settings=settings, clock=clock)
    try:
        [position] = again.positions()
        assert position.status is PositionStatus.CLOSED
        assert position.close_reason is ExitReason.STOP_LOSS
        assert position.exit_price == D("49990")
        assert position.realized_pnl == (D("49990") - D("54999.4")) * D("0.01")
        assert replay.sent("POST", "/api/v3/order") == []
        assert not replay.unmatched and not replay.pending()
    finally:
        await again.close()

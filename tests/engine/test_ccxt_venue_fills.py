"""Engine scenarios on venues other than Binance, through real ccxt on recorded bodies.

Issue #13's worst finding: on Bybit, ccxt's fetchOrder refuses to run, so a filled market buy
stayed "submitted" — no fill, no position, no stop. Here the engine places a market buy on
Bybit's recordings and the next cycle books the fill and opens the position.
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


async def test_bybit_market_buy_is_filled_and_opens_a_position(db_path, settings, clock):
    replay = Replay("bybit", echo_client_ids=True)
    # asked whenever the engine wants them: the account kind, prices, the balance
    replay.add("query_api", "account_info", "ticker", "wallet_balance", sticky=True)
    replay.add("instruments_spot")
    exchange = replayed("bybit", replay, SleepRecorder())
    engine = await Engine.open(db_path, exchange, settings=settings, clock=clock)
    try:
        replay.add("create_market")
        order = await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                         amount="0.01", stop_loss="57000")
        sent = replay.last("POST", "/v5/order/create").body
        assert sent["orderLinkId"] == order.client_order_id
        assert (sent["orderType"], sent["qty"], sent["marketUnit"]) == ("Market", "0.01", "baseCoin")
        assert order.status is OrderStatus.SUBMITTED  # Bybit answers with ids only

        # the cycle: not in the open list, so looked up in the open then the finished orders
        replay.add("realtime_empty", "realtime_empty", "history_market_filled")
        await engine.run_cycle()
        assert order.status is OrderStatus.FILLED
        assert (order.filled_amount, order.average_fill_price) == (D("0.01"), D("60000"))
        assert order.fees == {"BTC": D("0.00001")}
        [position] = engine.positions()
        assert position.status is PositionStatus.OPEN and position.stop_loss == D("57000")
        # Bybit keeps stops in a book Moniqo does not follow: watched by the app, none sent
        assert len(replay.sent("POST", "/v5/order/create")) == 1
        assert not replay.unmatched
    finally:
        await engine.close()

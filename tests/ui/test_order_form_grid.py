"""The order form on the real window refuses a price off the market's tick and names the nearest
valid prices (a tick of 0.5 takes 100.5, not 100.3), before anything reaches the engine."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt

from moniqo_desktop.domain import OrderType
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.exchanges.base import MarketInfo
from moniqo_desktop.ui import formatting

from window_harness import until

D = Decimal
HALF_TICK = MarketInfo(symbol="BTC/USDT", base="BTC", quote="USDT", amount_step=D("0.001"),
                       price_step=D("0.5"), min_amount=D("0.001"), min_cost=D("5"))
SHOTS = Path("/work/shots")


def test_the_form_names_the_nearest_ticks_and_sends_nothing(run, qtbot, monkeypatch):
    # the window teaches the process-wide price formatting this market's tick (1 decimal for
    # BTC/USDT): give it back afterwards, or later tests format BTC prices with one decimal
    monkeypatch.setattr(formatting, "_price_places", dict(formatting._price_places))
    venue = DemoExchange(prices={"BTC/USDT": D("50000")}, fee_rate=D("0.001"),
                         balances={"USDT": D("100000")}, markets={"BTC/USDT": HALF_TICK})

    async def scenario(window, engine, exchange):
        entry = window.entry
        entry.symbol.setCurrentText("BTC/USDT")
        entry.set_order_type(OrderType.LIMIT)
        qtbot.keyClicks(entry.amount, "0.01")
        qtbot.keyClicks(entry.price, "50000.3")
        qtbot.mouseClick(entry.submit_button, Qt.MouseButton.LeftButton)
        await until(lambda: entry.error.isVisible())
        assert "Price 50000.3 is not a multiple of the tick 0.5: use 50000 or 50000.5" \
            in entry.error.text()
        assert entry.price.property("invalid") is True
        if SHOTS.is_dir():
            window.grab().save(str(SHOTS / "order_form_tick.png"))
        assert engine.orders() == [] and exchange.calls["create_order"] == 0
        entry.price.clear()
        qtbot.keyClicks(entry.price, "50000.5")
        qtbot.mouseClick(entry.submit_button, Qt.MouseButton.LeftButton)
        await until(lambda: len(engine.orders()) == 1)
        assert engine.orders()[0].price == D("50000.5")

    run(scenario, exchange=venue)

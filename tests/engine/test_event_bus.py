"""The event bus: a broken subscriber never stops trading or the other subscribers; a closed
window unsubscribes for good."""

from __future__ import annotations

from decimal import Decimal

from moniqo_desktop.domain import PositionStatus
from moniqo_desktop.engine.events import PositionOpened

D = Decimal


async def test_a_broken_subscriber_stops_neither_the_engine_nor_the_others(engine, caplog):
    heard: list[PositionOpened] = []

    def broken(_event):
        raise RuntimeError("a widget that was deleted")

    engine.events.subscribe(broken, PositionOpened)
    engine.events.subscribe(heard.append, PositionOpened)
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = engine.positions()
    assert position.status is PositionStatus.OPEN
    assert [e.position for e in heard] == [position]
    assert "event handler" in caplog.text and "PositionOpened" in caplog.text


async def test_unsubscribe_is_for_good_and_safe_twice(engine):
    heard: list[object] = []
    unsubscribe = engine.events.subscribe(heard.append)
    unsubscribe()
    unsubscribe()  # a window closed twice (close event, then destroy)
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    assert heard == []

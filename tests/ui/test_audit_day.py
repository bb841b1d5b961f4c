"""What a trader's day in the real window found (stop 13's audit): each test failed first.
The real window on the paper exchange, driven by keys (pytest-qt)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from moniqo_desktop.domain import OrderStatus

from window_harness import until, until_idle

D = Decimal


def type_order(qtbot, window, kind: str, amount: str, symbol: str | None = None,
               price: str | None = None, stop: str | None = None) -> None:
    """Type an order into the form, as the trader does, and send it with Enter in the last
    field typed (the optional confirmation is on: its question is what these tests read)."""
    window.settings.confirm_orders = True
    entry = window.entry
    if symbol is not None:
        entry.symbol.setCurrentText(symbol)
    entry.order_type.setCurrentIndex(entry.order_type.findText(kind))
    entry.amount.setText(amount)
    last = entry.amount
    for field, text in ((entry.stop_price, stop), (entry.price, price)):
        if text is not None:
            field.setText(text)
            last = field
    qtbot.keyClick(last, Qt.Key.Key_Return)


def test_a_stop_order_is_described_with_its_trigger_everywhere(run, qtbot, asked):
    """"BUY 2 SOL/USDT stop — open" in the form and the log, and the optional confirmation
    "BUY 2 SOL/USDT stop on Paper exchange (PAPER)?": the trigger, the one figure to check
    before and after sending a stop, was in none of them (a limit showed "@ 3,059.00")."""
    async def scenario(window, engine, exchange):
        entry = window.entry
        type_order(qtbot, window, "Stop", "2", symbol="ETH/USDT", stop="3300")
        await until(lambda: any(o.is_open() for o in engine.orders()))
        assert asked == ["BUY 2 ETH/USDT stop, trigger 3,300.00 on Paper exchange (PAPER)?"]
        assert entry.message.text() == "BUY 2 ETH/USDT stop, trigger 3,300.00 — open"
        assert "BUY 2 ETH/USDT stop, trigger 3,300.00: open" in " ".join(window.log_panel.texts())
        type_order(qtbot, window, "Stop limit", "1", stop="3300", price="3310")
        await until(lambda: len([o for o in engine.orders() if o.is_open()]) == 2)
        assert asked[1] == ("BUY 1 ETH/USDT stop limit @ 3,310.00, trigger 3,300.00 on Paper "
                            "exchange (PAPER)?")
        assert entry.message.text() == "BUY 1 ETH/USDT stop limit @ 3,310.00, trigger 3,300.00 — open"

    run(scenario)


def test_the_confirmation_spells_typed_figures_as_the_tables_do(run, qtbot, asked):
    """Typed "0.010" and "48500" were echoed raw ("BUY 0.010 BTC/USDT limit @ 48500") while the
    orders table, the form's message and the log say "0.01" and "48,500.00": the question the
    trader answers before sending must read the way the window's figures read."""
    async def scenario(window, engine, exchange):
        type_order(qtbot, window, "Limit", "0.010", symbol="BTC/USDT", price="48500")
        await until(lambda: any(o.is_open() for o in engine.orders()))
        assert asked == ["BUY 0.01 BTC/USDT limit @ 48,500.00 on Paper exchange (PAPER)?"]
        assert window.entry.message.text() == "BUY 0.01 BTC/USDT limit @ 48,500.00 — open"

    run(scenario)


def test_the_close_question_says_which_open_orders_it_cancels(run, qtbot, asked):
    """Closing a position cancels our open orders on its symbol (an entry must not grow it
    while it exits): the trader's resting SOL stop-buy vanished behind a question that spoke
    only of the position ("Close long 1 SOL/USDT at market?")."""
    async def scenario(window, engine, exchange):
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
        waiting = await engine.place_order(symbol="BTC/USDT", side="buy", type="stop",
                                           amount="0.05", stop_price="52000")
        other = await engine.place_order(symbol="ETH/USDT", side="buy", type="limit",
                                         amount="0.5", price="2900")
        await until_idle()
        [position] = engine.positions(open_only=True)
        view = window.positions.view
        window.activateWindow()
        view.setFocus()
        await until(view.hasFocus)
        view.select_id(position.id)
        qtbot.keyClick(view, Qt.Key.Key_Delete)
        await until(lambda: bool(asked))
        await until(lambda: waiting.status is OrderStatus.CANCELLED)
        assert len(asked) == 1
        assert "It also cancels your open order on BTC/USDT: BUY 0.05 BTC/USDT stop, " \
               "trigger 52,000.00." in asked[0]
        assert "ETH" not in asked[0] and other.is_open()

    run(scenario)


def test_the_log_says_the_venue_answers_again_in_words(qloop, qtbot, tmp_path):
    """The venue went silent and came back: the log read "Connection degraded: last answer 4 s
    ago; ..." then "Connection connected"."""
    from fake_clock import FakeClock
    from test_truth_on_screen import open_window

    from moniqo_desktop.engine import Engine
    from moniqo_desktop.exchanges import DemoExchange

    clock = FakeClock()

    async def main():
        demo = DemoExchange(prices={"BTC/USDT": 50000}, balances={"USDT": 1000})
        engine = await Engine.open(tmp_path / "m.sqlite3", demo, clock=clock)
        window = open_window(qtbot, tmp_path, engine, clock=clock)
        try:
            demo.fail_next(2)
            for _ in range(2):
                clock.advance(seconds=engine.poll_interval)
                await engine.heartbeat()
            await until_idle()
            await engine.heartbeat()
            await until_idle()
            lines = window.log_panel.texts()
            assert any(line.startswith("Connection degraded: last answer") for line in lines)
            assert lines[-1] == "Connected to Paper exchange again"
        finally:
            window.close()
            await engine.close()

    qloop.run_until_complete(main())


def test_a_venue_that_never_answered_is_not_called_connected(qloop, qtbot, tmp_path):
    """`--exchange binance` with no network: the strip said "● Offline" and Balances "—", but
    the log's first line said "Connected to Binance: 0 orders, 0 positions" and Equity "0.00"
    (an account worth nothing, read from no balance at all)."""
    from test_truth_on_screen import open_window

    from moniqo_desktop.engine import Engine
    from moniqo_desktop.exchanges import DemoExchange

    async def main():
        demo = DemoExchange(prices={"BTC/USDT": 50000}, balances={"USDT": 1000})
        demo.down = True  # no answer to anything, from the start
        engine = await Engine.open(tmp_path / "m.sqlite3", demo)
        window = open_window(qtbot, tmp_path, engine)
        strip = window.account
        try:
            assert engine.connection_state.value != "connected"
            first = window.log_panel.texts()[0]
            assert not first.startswith("Connected"), first
            assert first == "Not connected to Paper exchange yet (no answer): 0 orders, " \
                            "0 positions"
            assert strip.balances.value.text() == "—"
            assert strip.equity.value.text() == "—"
            assert strip.equity_note() == "no balances read from Paper exchange yet"
            demo.down = False  # the first answer ever: not "again"
            await engine.heartbeat()
            await until_idle()
            assert window.log_panel.texts()[-1] == "Connected to Paper exchange"
        finally:
            window.close()
            await engine.close()

    qloop.run_until_complete(main())

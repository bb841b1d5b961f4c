"""The window never lies: venue and mode from the exchange in use, connection from real answers,
stale figures marked. Real window, real engine, paper venue or a real ccxt client on recordings."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from fake_clock import FakeClock
from moniqo_desktop.config import Settings
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.events import ConnectionState
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.ui.main_window import MainWindow
from moniqo_desktop.ui.notifier import Notifier

from window_harness import until_idle

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exchanges"))

from ccxt_replay import Replay, SleepRecorder, replayed  # noqa: E402


def open_window(qtbot, tmp_path, engine, settings=None, clock=None) -> MainWindow:
    window = MainWindow(engine, settings or Settings(),
                        qsettings=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat),
                        notifier=Notifier(enabled=False), duration_refresh_ms=0)
    if clock is not None:
        window.account.clock = clock
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.mark.parametrize("sandbox, badge", [(False, "LIVE"), (True, "TESTNET")])
def test_badge_and_title_follow_the_real_exchange(qloop, qtbot, tmp_path, sandbox, badge):
    # The settings still say "demo": the window called Binance "paper trading".
    async def main():
        replay = Replay("binance").add("exchange_info", "account")
        exchange = replayed("binance", replay, SleepRecorder(), sandbox=sandbox)
        engine = await Engine.open(tmp_path / "m.sqlite3", exchange)
        window = open_window(qtbot, tmp_path, engine, Settings(exchange="demo"))
        try:
            assert window.account.badge.text() == badge
            assert window.account.badge.property("mode") == badge.lower()
            assert window.windowTitle().endswith(f"Binance · {badge}")
            assert "paper" not in window.statusBar().currentMessage()
        finally:
            window.close()
            await engine.close()

    qloop.run_until_complete(main())


def test_paper_badge(run):
    async def scenario(window, engine, exchange):
        assert window.account.badge.text() == "PAPER"
        assert window.windowTitle().endswith("· PAPER")
        assert window.statusBar().currentMessage().endswith("paper trading")

    run(scenario)


def test_connected_turns_degraded_when_the_venue_goes_silent_and_back(qloop, qtbot, tmp_path):
    clock = FakeClock()

    async def main():
        demo = DemoExchange(prices={"BTC/USDT": 50000}, balances={"USDT": 1000})
        engine = await Engine.open(tmp_path / "m.sqlite3", demo, clock=clock)
        window = open_window(qtbot, tmp_path, engine, clock=clock)
        strip = window.account
        try:
            assert strip.connection.value.text() == "● Connected"
            demo.fail_next(2)
            for _ in range(2):  # two poll intervals of silence
                clock.advance(seconds=engine.poll_interval)
                await engine.heartbeat()
            await until_idle()
            strip.refresh_ages()
            assert engine.connection_state is ConnectionState.DEGRADED
            assert strip.connection.value.text() == "● Degraded · last answer 4 s ago"
            assert strip.stale["balances"] and "stale" in strip.balances.value.text()
            clock.advance(seconds=8)
            strip.refresh_ages()
            assert strip.connection.value.text() == "● Degraded · last answer 12 s ago"
            await engine.heartbeat()  # the venue answers again
            await until_idle()
            assert strip.connection.value.text() == "● Connected"
            assert not strip.stale["balances"] and "stale" not in strip.balances.value.text()
        finally:
            window.close()
            await engine.close()

    qloop.run_until_complete(main())


def test_live_price_feed_without_network_says_so_in_log_and_strip(run):
    import asyncio

    import ccxt.async_support as ccxt_async

    from moniqo_desktop.compose import feed_prices
    from moniqo_desktop.exchanges.price_feeds import LiveTickerFeed

    from window_harness import until

    async def scenario(window, engine, exchange):
        # `--price-feed live:binance` on a box with no network: every request fails in transport
        client = ccxt_async.binance({"enableRateLimit": False})
        Replay("binance").fail("GET", "/api/v3/exchangeInfo", "NetworkError", times=100) \
            .install(client)
        paper = DemoExchange(prices={"BTC/USDT": 50000}, feed=LiveTickerFeed(client=client))
        stop = asyncio.Event()
        feeder = asyncio.ensure_future(feed_prices(paper, stop, window.feed_status))
        try:
            await until(lambda: window.account.notice.isVisible())
            assert "No live prices" in window.account.notice.text()
            assert "NetworkError" in window.account.notice.toolTip()
            assert any("No prices from the price feed" in line and "NetworkError" in line
                       for line in window.log_panel.texts())
        finally:
            stop.set()
            await feeder
            await client.close()

    run(scenario)


def test_no_keys_notice_in_log_and_strip(run):
    async def scenario(window, engine, exchange):
        window.show_notice("API keys unavailable (no keyring); public data only")
        assert window.account.notice.isVisible()
        assert "public data only" in window.account.notice.text()
        assert "public data only" in window.log_panel.texts()[-1]

    run(scenario)


def test_stale_prices_are_marked_where_prices_show(qloop, qtbot, tmp_path):
    """Issue #14 screenshot of a Degraded window: balances and equity said "stale", but the
    open P&L (worked out from the same old prices) stayed bright green and the order form's
    "Last 50,240.00" looked like a live quote."""
    clock = FakeClock()

    async def main():
        demo = DemoExchange(prices={"BTC/USDT": 50000}, balances={"USDT": 10000})
        engine = await Engine.open(tmp_path / "m.sqlite3", demo, clock=clock)
        window = open_window(qtbot, tmp_path, engine, clock=clock)
        strip, entry = window.account, window.entry
        try:
            await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
            demo.set_price("BTC/USDT", 50240)
            clock.advance(seconds=engine.poll_interval)
            await engine.run_cycle()
            await until_idle()
            entry.symbol.setCurrentText("BTC/USDT")
            assert entry.last_price.text() == "Last 50,240.00"
            assert strip.open_pnl.value.text() == "+19.00 USDT"  # 0.1 x 240 - 5 fee
            demo.fail_next(2)
            for _ in range(2):  # the venue is silent for two poll intervals, then 8 s more
                clock.advance(seconds=engine.poll_interval)
                await engine.heartbeat()
            clock.advance(seconds=8)
            await until_idle()
            strip.refresh_ages()
            assert strip.stale["prices"]
            assert strip.open_pnl.value.text() == "+19.00 USDT  ⚠ stale"
            assert entry.last_price.text() == "Last 50,240.00 ⚠"
            assert "stale" in entry.last_price.toolTip()
            await engine.run_cycle()  # the venue answers again, with prices
            await until_idle()
            strip.refresh_ages()
            assert not strip.stale["prices"]
            assert "stale" not in strip.open_pnl.value.text()
            assert entry.last_price.text() == "Last 50,240.00" and not entry.last_price.toolTip()
        finally:
            window.close()
            await engine.close()

    qloop.run_until_complete(main())

"""The window never lies: venue and mode from the exchange in use, connection from real answers,
stale figures marked. Real window, real engine, paper venue or a real ccxt client on recordings."""

from __future__ import annotations

import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QSettings, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QLabel

from fake_clock import FakeClock
from moniqo_desktop.config import Settings
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.events import ConnectionState
from moniqo_desktop.engine.venue_health import age_text
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.ui import theme
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


def test_an_account_with_nothing_open_says_zero_not_unknown(run):
    """Issue #14's LIVE screenshot: a connected account holding no position showed "Open P&L
    —" and "Open positions —" (unknown) until its first position; the paper window, once its
    positions closed, said 0.00 and 0. Nothing open is known: it says 0 from the start."""
    from window_harness import until

    async def scenario(window, engine, exchange):
        strip = window.account
        await until(lambda: strip.open_count.value.text() == "0")
        assert strip.open_pnl.value.text() == "0.00 USDT"

    run(scenario)


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
            # the form's tooltip says what the positions table's stale cells say, in the
            # same words (one wording, from the strip), and its ages as of when it shows
            [position] = engine.positions(open_only=True)
            model = window.positions.model
            cell = model.index(model.row_of(position.id),
                               model.column_index("current_price"))
            said = cell.data(Qt.ItemDataRole.ToolTipRole)
            assert said.startswith("price ") and entry.last_price.toolTip() == said
            clock.advance(seconds=5)
            QApplication.sendEvent(entry.last_price, QHelpEvent(
                QEvent.Type.ToolTip, QPoint(2, 2), entry.last_price.mapToGlobal(QPoint(2, 2))))
            assert entry.last_price.toolTip() == cell.data(Qt.ItemDataRole.ToolTipRole) != said
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


def test_positions_table_marks_its_prices_stale_and_clears_them(qloop, qtbot, tmp_path):
    """Issue #14, the degraded window: with the strip saying "stale", every row of the positions
    table still showed Price, Open P&L, Open % and Risk bright and live-looking. They are dimmed
    with a ⚠ and a tooltip saying how old, within two poll intervals of the venue going silent,
    by one repaint of those columns for the whole table (no per-row work), and cleared when the
    venue answers with prices again."""
    clock = FakeClock()
    display, foreground, tooltip = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole,
                                    Qt.ItemDataRole.ToolTipRole)

    async def main():
        demo = DemoExchange(prices={"BTC/USDT": 50000, "ETH/USDT": 3000, "SOL/USDT": 150},
                            balances={"USDT": 10000})
        engine = await Engine.open(tmp_path / "m.sqlite3", demo, clock=clock)
        window = open_window(qtbot, tmp_path, engine, clock=clock)
        model = window.positions.model
        live = [model.column_index(k) for k in  # Risk is judged on the last price, too
                ("current_price", "unrealized_pnl", "unrealized_pnl_percent", "risk_level")]
        others = [model.column_index(k) for k in ("symbol", "entry_price", "amount")]
        muted = theme.current().color("muted")

        def cell(row: int, col: int, role=display):
            return model.index(row, col).data(role)

        try:
            await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
            await engine.place_order(symbol="ETH/USDT", side="buy", type="market", amount="1")
            sol = await engine.place_order(symbol="SOL/USDT", side="buy", type="market",
                                           amount="1")
            closed = next(p for p in engine.positions() if p.symbol == sol.symbol)
            await engine.close_position(closed.id)  # its row shows the exit price: not aged
            demo.set_price("BTC/USDT", 50240)
            demo.set_price("ETH/USDT", 2990)
            clock.advance(seconds=engine.poll_interval)
            await engine.run_cycle()
            await until_idle()
            answered = clock()
            closed_row = model.row_of(closed.id)
            rows = [r for r in range(model.rowCount()) if r != closed_row]
            assert len(rows) == 2 and closed_row is not None
            exit_price = cell(closed_row, live[0])
            fresh = {(r, c): (cell(r, c), cell(r, c, foreground)) for r in rows for c in live}
            steady = {(r, c): cell(r, c) for r in rows for c in others}
            assert all(text and "⚠" not in text for text, _ in fresh.values())
            assert all(colour != muted for (_r, c), (_t, colour) in fresh.items()
                       if c != live[0])  # P&L cells are green/red
            assert not any(cell(r, c, tooltip) for r in rows for c in live)

            changes = []
            model.dataChanged.connect(lambda tl, br, roles=(): changes.append(
                (tl.row(), tl.column(), br.row(), br.column())))
            demo.fail_next(2)
            for _ in range(2):  # the venue is silent for two poll intervals
                clock.advance(seconds=engine.poll_interval)
                await engine.heartbeat()
            await until_idle()
            assert window.account.stale["prices"]
            age = age_text((clock() - answered).total_seconds())
            for r in rows:
                for c in live:
                    assert cell(r, c) == fresh[(r, c)][0] + " ⚠"
                    assert cell(r, c, foreground) == muted
                    assert cell(r, c, tooltip) == (
                        f"price {age.removesuffix(' ago')} old: last answer from "
                        f"{engine.exchange_name} {age}")
                for c in others:  # what the venue's silence does not age stays as it was
                    assert cell(r, c) == steady[(r, c)]
            assert cell(closed_row, live[0]) == exit_price and exit_price
            assert not cell(closed_row, live[0], tooltip)
            # one repaint of the three columns over all rows, not one per row
            assert changes == [(0, min(live), model.rowCount() - 1, max(live))]

            clock.advance(seconds=4)  # the tooltip's ages are read when it shows
            later = age_text((clock() - answered).total_seconds())
            assert cell(rows[0], live[0], tooltip).endswith(later)

            await engine.run_cycle()  # the venue answers again, with prices
            await until_idle()
            assert not window.account.stale["prices"]
            for r in rows:
                for c in live:
                    text = cell(r, c)
                    assert text and "⚠" not in text
                    assert not cell(r, c, tooltip)
                    if c != live[0]:
                        assert cell(r, c, foreground) != muted
        finally:
            window.close()
            await engine.close()

    qloop.run_until_complete(main())


def test_equity_without_a_price_for_every_holding_says_which_is_missing(qtbot):
    """Issue #14's LIVE screenshot: Binance's account held BNB, for which no price had come,
    and Equity showed a bare "—" with nothing saying why. It still shows no partial sum (that
    would understate the account), and its tooltip names the holding without a price."""
    from moniqo_desktop.ui.widgets.account_strip import AccountStrip

    strip = AccountStrip()
    qtbot.addWidget(strip)
    strip.set_balances({"USDT": (D("100"), D("100")), "BNB": (D("0.1"), D("0.1")),
                        "BTC": (D("0.01"), D("0.01"))})
    strip.set_prices({"BTC/USDT": D("50000")})

    def hovered() -> str:  # what the tooltip says when the mouse rests on the figure
        QApplication.sendEvent(strip.equity, QHelpEvent(
            QEvent.Type.ToolTip, QPoint(2, 2), strip.equity.mapToGlobal(QPoint(2, 2))))
        return strip.equity.toolTip()

    assert strip.equity.value.text() == "—"
    assert hovered() == "no BNB/USDT price yet: equity is shown once every holding has a price"
    strip.set_prices({"BNB/USDT": D("600")})
    assert strip.equity.value.text() == "660.00" and hovered() == ""


def test_a_silent_venue_never_widens_the_window_and_a_narrow_one_elides_the_strip(
        qloop, qtbot, tmp_path):
    """Audit (a trader's day, the real window at 1440 px): the venue went silent and the window
    grew by itself to 1503 px, because every "⚠ stale" and "last answer 8 s ago" widened the
    account strip, whose minimum was its whole text (1 063 px holding two coins: the window could
    not be made narrower than that either). The strip's figures shorten with "…" instead."""
    clock = FakeClock()

    async def main():
        demo = DemoExchange(prices={"BTC/USDT": 50000, "ETH/USDT": 3000, "SOL/USDT": 150},
                            balances={"USDT": 10000})
        engine = await Engine.open(tmp_path / "m.sqlite3", demo, clock=clock)
        window = open_window(qtbot, tmp_path, engine, clock=clock)
        strip = window.account
        try:
            for symbol in ("BTC/USDT", "ETH/USDT", "SOL/USDT"):
                await engine.place_order(symbol=symbol, side="buy", type="market", amount="1")
            await engine.run_cycle()
            await until_idle()
            window.resize(1440, 900)
            await until_idle()
            assert window.width() == 1440
            demo.fail_next(2)
            for _ in range(2):  # two poll intervals of silence, then more
                clock.advance(seconds=engine.poll_interval)
                await engine.heartbeat()
            clock.advance(seconds=30)
            await until_idle()
            strip.refresh_ages()
            QApplication.processEvents()
            assert "stale" in strip.balances.value.text()
            assert window.width() == 1440  # the window keeps the size the trader gave it
            for figure in strip.findChildren(QLabel):  # and shows every figure whole in it
                assert getattr(figure, "shown_text", figure.text)() == figure.text()
            window.resize(1024, 700)  # a small laptop, half a screen
            QApplication.processEvents()
            assert window.width() == 1024
            assert strip.badge.width() >= strip.badge.sizeHint().width()  # PAPER never cut
            assert strip.balances.value.shown_text().endswith("…")  # balances give way...
            for figure in (strip.equity, strip.open_pnl, strip.open_count):  # ...money never
                assert figure.value.shown_text() == figure.value.text()
                assert "stale" in figure.value.text() or figure is strip.open_count
            window.resize(900, 640)
            QApplication.processEvents()
            # the connection gives up its age, never its state ("● D…" at 900 px)
            assert strip.connection.value.shown_text().startswith("● Degraded")
        finally:
            window.close()
            await engine.close()

    qloop.run_until_complete(main())


def test_the_strips_open_pnl_keeps_each_quote_currency_apart(run):
    """Open P&L in BTC (ETH/BTC) and in USDT do not add up: the strip summed them into one
    "USDT" figure. Each currency gets its own total."""
    exchange = DemoExchange(prices={"BTC/USDT": D("50000"), "ETH/BTC": D("0.05")},
                            fee_rate=D("0"), balances={"USDT": D("100000"), "BTC": D("10")},
                            min_cost=D("0.0001"))

    async def scenario(window, engine, exchange):
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
        await engine.place_order(symbol="ETH/BTC", side="buy", type="market", amount="1")
        exchange.set_price("BTC/USDT", D("51000"))  # +100 USDT
        exchange.set_price("ETH/BTC", D("0.0512"))  # +0.0012 BTC
        await engine.refresh_positions()
        await until_idle()
        window._strip_refresh.flush()
        assert window.account.open_pnl.value.text() == "+100.00 USDT, +0.00120000 BTC"
        assert window.account.open_count.value.text() == "2"

    run(scenario, exchange=exchange)

"""Painting the tables costs what changed, not every cell of every frame (issue #14, lag).

`bench_lag.py --trace-late` showed most late loop steps (up to 150 ms with 1 000 positions on a
loaded machine) inside Qt's paint of the positions table: a repaint of six visible rows took
25 ms of CPU, nearly all of it in the model's `data()`, which Qt calls for about eight roles per
cell and which formatted every value again each time (Decimal quantize, market precision,
colours) - and computed the value even for roles the table never shows. A tick of 20/s repaints
the viewport each time. These tests count the values computed (work), never time.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from moniqo_desktop.ui.models.monitor import Column
from moniqo_desktop.ui.widgets.positions_panel import PositionsPanel

from position_book import positions_book

D = Decimal
ROWS = 200


@pytest.fixture
def shown(qtbot):
    panel, positions = positions_book(qtbot, ROWS)
    panel.resize(1400, 500)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.wait(50)  # the first layout and paints settle
    panel.view.viewport().repaint()
    return panel, positions


@pytest.fixture
def computed(shown, monkeypatch) -> list[tuple[str, str]]:
    """(row symbol, column key) for every cell value the model computes once `shown` is."""
    seen: list[tuple[str, str]] = []
    original = Column.value

    def counted(self, obj):
        seen.append((getattr(obj, "symbol", "?"), self.key))
        return original(self, obj)

    monkeypatch.setattr(Column, "value", counted)
    return seen


def visible_symbols(panel: PositionsPanel) -> set[str]:
    view = panel.view
    first = view.rowAt(0)
    last = view.rowAt(view.viewport().height() - 1)
    last = panel.view.proxy.rowCount() - 1 if last < 0 else last
    return {panel.view.proxy.object_at(r).symbol for r in range(first, last + 1)}


def test_a_repaint_with_nothing_changed_computes_no_cell(shown, computed):
    panel, _ = shown
    panel.view.viewport().repaint()
    assert computed == []


def test_a_row_update_recomputes_that_row_only(shown, computed):
    panel, positions = shown
    on_screen = visible_symbols(panel)
    assert len(on_screen) >= 3  # the test means something only if rows are painted
    moved = next(p for p in positions if p.symbol in on_screen)
    moved.update_price(moved.current_price + 1)
    panel.model.upsert(moved)
    panel.view.viewport().repaint()
    assert computed, "the changed row is painted with its new values"
    assert {symbol for symbol, _ in computed} == {moved.symbol}
    row = panel.model.row_of(moved.id)
    col = panel.model.column_index("current_price")
    assert panel.model.index(row, col).data() == f"{moved.current_price:,.2f}"


def test_the_held_refresh_recomputes_the_rows_on_screen_once(shown, computed):
    panel, _ = shown
    panel.model.refresh_column("held")
    panel.view.viewport().repaint()
    panel.view.viewport().repaint()
    cells = [(symbol, key) for symbol, key in computed if key == "held"]
    on_screen = visible_symbols(panel)
    assert {symbol for symbol, _ in cells} == on_screen
    assert len(cells) == len(set(cells))  # each once, however many roles Qt asks for


def test_roles_no_cell_shows_compute_nothing(shown, computed):
    panel, _ = shown
    model = panel.model
    index = model.index(0, model.column_index("unrealized_pnl"))
    model.upsert(model.object_at(0))  # its cache is gone: any value would be computed anew
    for role in (Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.FontRole,
                 Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.CheckStateRole,
                 Qt.ItemDataRole.SizeHintRole):
        assert model.data(index, role) is None
    assert computed == []


def test_a_price_tick_restyles_no_strip_figure_whose_colour_stayed(qtbot, monkeypatch):
    """The strip is refreshed on every tick (prices, ages, open P&L). `setStyleSheet` on a
    label re-polishes it and re-lays out the strip even with the same sheet, so the window
    repainted its whole background 27 times a second in the benchmark."""
    from datetime import datetime, timezone

    from PySide6.QtWidgets import QLabel

    from moniqo_desktop.engine.events import ConnectionState
    from moniqo_desktop.ui.widgets.account_strip import AccountStrip

    strip = AccountStrip()
    qtbot.addWidget(strip)
    strip.set_connection(ConnectionState.CONNECTED, last_answer=datetime.now(timezone.utc))
    strip.set_balances({"USDT": (D("1000"), D("1000")), "BTC": (D("1"), D("1"))})
    strip.set_prices({"BTC/USDT": D("50000")})
    strip.set_open_pnl(D("-12.5"), 3)
    restyled: list[str] = []
    original = QLabel.setStyleSheet
    monkeypatch.setattr(QLabel, "setStyleSheet",
                        lambda label, sheet: (restyled.append(sheet), original(label, sheet)))
    for price in ("50010", "50020", "49990"):
        strip.set_prices({"BTC/USDT": D(price)})
        strip.set_open_pnl(D("-11.5"), 3)
    assert restyled == []
    assert strip.equity.value.text() == "50,990.00"
    strip.set_open_pnl(D("4"), 3)  # the colour does change: once
    assert len(restyled) == 1 and theme_up_in(restyled[0])


def theme_up_in(sheet: str) -> bool:
    from moniqo_desktop.ui import theme

    return theme.current().up.lower() in sheet.lower()


def paints_of(widget) -> list:
    """Paint events `widget` receives from now on: the region each one painted."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtGui import QRegion

    seen: list[QRegion] = []

    class Counter(QObject):
        def eventFilter(self, obj, event):  # noqa: N802
            if obj is widget and event.type() == QEvent.Type.Paint:
                seen.append(QRegion(event.region()))
            return False

    counter = Counter(widget)
    widget.installEventFilter(counter)
    return seen


def test_ticks_in_separate_turns_share_one_repaint_of_the_table(shown, qtbot):
    """The stream delivers a tick's updates over several turns of the loop, 20 ticks a
    second; Qt repainted the viewport after each turn that changed a row on screen."""
    from PySide6.QtWidgets import QApplication

    panel, positions = shown
    view = panel.view
    view.repaint_changes._timer.setInterval(60_000)  # the test decides when the time is up
    paints = paints_of(view.viewport())
    on_screen = [p for p in positions if p.symbol in visible_symbols(panel)]
    for tick in range(5):
        for p in on_screen:
            p.update_price(p.current_price + 1)
            panel.model.upsert(p)
        QApplication.processEvents()
    assert paints == [] and view.repaint_changes.pending
    view.repaint_changes.flush()
    QApplication.processEvents()
    assert len(paints) == 1
    shown_price = panel.model.index(panel.model.row_of(on_screen[0].id),
                                    panel.model.column_index("current_price")).data()
    assert shown_price == f"{on_screen[0].current_price:,.2f}"


def test_a_change_off_screen_repaints_nothing(shown):
    from PySide6.QtWidgets import QApplication

    panel, positions = shown
    view = panel.view
    on_screen = visible_symbols(panel)
    paints = paints_of(view.viewport())
    for p in positions:
        if p.symbol not in on_screen:
            p.update_price(p.current_price + 1)
            panel.model.upsert(p)
    QApplication.processEvents()
    assert not view.repaint_changes.pending and paints == []


def test_a_tick_values_only_the_coins_whose_price_moved(qtbot, monkeypatch):
    """A paper account of 1 000 positions holds 1 000 coins; the strip valued every one of
    them on every price tick (3.5 ms a tick in the benchmark's profile)."""
    from moniqo_desktop.ui.formatting import fmt_decimal
    from moniqo_desktop.ui.widgets import account_strip
    from moniqo_desktop.ui.widgets.account_strip import AccountStrip, equity

    balances = {f"C{i:04d}": (D(i + 1), D(i + 1)) for i in range(1000)}
    balances["USDT"] = (D("500"), D("500"))
    prices = {f"C{i:04d}/USDT": D(10 + i) for i in range(1000)}
    strip = AccountStrip()
    qtbot.addWidget(strip)
    strip.set_prices(prices)
    strip.set_balances(balances)
    valued: list[str] = []
    original = account_strip.value_in_quote
    monkeypatch.setattr(account_strip, "value_in_quote",
                        lambda c, *rest: (valued.append(c), original(c, *rest))[1])
    moved = {"C0007/USDT": D("99.5"), "C0500/USDT": D("1.25"), "XYZ/BTC": D("3")}
    strip.set_prices(moved)
    assert sorted(valued) == ["C0007", "C0500"]
    prices.update(moved)
    assert strip.equity.value.text() == fmt_decimal(equity(balances, prices, "USDT"), 2)


def test_balances_format_what_is_shown_and_the_tooltip_stays_readable(qtbot, monkeypatch):
    """`set_balances` formatted all 1 000 balances of a paper account (the strip shows four)
    and built a tooltip line for each on every call: ~9 ms a call, and a tooltip taller than
    the screen. Now it formats the four shown; the tooltip, written on hover, lists the most
    valuable holdings and says how many more there are."""
    from PySide6.QtCore import QEvent, QPoint
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication

    from moniqo_desktop.ui.widgets import account_strip
    from moniqo_desktop.ui.widgets.account_strip import AccountStrip

    balances = {f"C{i:04d}": (D(i + 1), D(i + 1)) for i in range(1000)}
    balances["USDT"] = (D("250.5"), D("500"))
    balances["ZERO"] = (D(0), D(0))  # held nothing: neither shown nor counted
    strip = AccountStrip()
    qtbot.addWidget(strip)
    strip.set_prices({f"C{i:04d}/USDT": D(10) for i in range(1000)})  # C0999 is worth most
    formatted: list[Decimal] = []
    for name in ("fmt_amount", "fmt_decimal"):
        original = getattr(account_strip, name)
        monkeypatch.setattr(account_strip, name,
                            lambda v, *a, _f=original, **k: (formatted.append(v),
                                                              _f(v, *a, **k))[1])
    strip.set_balances(balances)
    assert strip.balances.value.text() == \
        "250.50 / 500.00 USDT   1 C0000   2 C0001   3 C0002"
    assert len(formatted) <= 2 * 4 + 1  # the four shown (free and total) and the equity
    QApplication.sendEvent(strip.balances, QHelpEvent(
        QEvent.Type.ToolTip, QPoint(2, 2), strip.balances.mapToGlobal(QPoint(2, 2))))
    lines = strip.balances.toolTip().splitlines()
    assert len(lines) <= 12, lines
    assert lines[0] == "C0999: free 1,000, total 1,000 (≈ 10,000.00 USDT)"
    assert lines[-1] == f"… and {1001 - (len(lines) - 1)} more"
    # with no prices for them (a paper venue prices only what it trades), the equity's
    # tooltip named all 1 000 pairs on one line
    unpriced = AccountStrip()
    qtbot.addWidget(unpriced)
    unpriced.set_balances(balances)
    QApplication.sendEvent(unpriced.equity, QHelpEvent(
        QEvent.Type.ToolTip, QPoint(2, 2), unpriced.equity.mapToGlobal(QPoint(2, 2))))
    note = unpriced.equity.toolTip()
    assert note.startswith("no C0000/USDT, C0001/USDT, ") and " and 990 more price yet" in note
    assert len(note) < 250


def test_a_repaint_asks_the_model_one_call_per_cell_and_no_roles(shown, monkeypatch):
    """Qt's `initStyleOption` asked `data()` about eight roles per cell through the proxy on
    every paint (each a Python call, plus the proxy's rowCount/columnCount check): ~20 ms
    for 8 rows x 13 columns. The delegates paint each cell from one `cell()` lookup."""
    from moniqo_desktop.ui.models.monitor import MonitorModel

    panel, _ = shown
    view = panel.view
    asked: list[int] = []
    cells: list[tuple[int, int]] = []
    original_data, original_cell = MonitorModel.data, MonitorModel.cell
    monkeypatch.setattr(MonitorModel, "data",
                        lambda self, index, role=0: (asked.append(role),
                                                     original_data(self, index, role))[1])
    monkeypatch.setattr(MonitorModel, "cell",
                        lambda self, row, col: (cells.append((row, col)),
                                                original_cell(self, row, col))[1])
    view.viewport().repaint()
    rows = len(visible_symbols(panel))
    columns = sum(not view.isColumnHidden(c) for c in range(panel.model.columnCount()))
    assert rows >= 3 and columns >= 5  # the test means something only if cells are painted
    assert asked == []
    assert len(cells) == len(set(cells))  # once each
    assert len(cells) >= (rows - 1) * columns  # the last row may be cut by the edge
    assert {row for row, _ in cells} == {panel.model.row_of(p.id) for p in panel.model.objects()
                                          if p.symbol in visible_symbols(panel)}


def test_the_strip_shows_a_burst_of_ticks_in_one_update(run):
    """Prices tick 20 times a second, each tick delivered over several turns of the loop; the
    strip set its figures (and so repainted, with the window behind it) on each: ~80 paints a
    second in the lag benchmark. Now the figures change at most every `STRIP_MS`, showing
    the latest prices and open P&L of everything that arrived meanwhile."""
    import asyncio

    from moniqo_desktop.engine.events import PositionUpdated, PricesUpdated
    from moniqo_desktop.ui.formatting import fmt_decimal

    from window_harness import until, until_idle

    async def scenario(window, engine, exchange):
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
        await until_idle()
        strip = window.account
        window._strip_refresh._timer.setInterval(60_000)  # the test says when time is up
        await asyncio.sleep(0.05)  # what is shown so far is painted
        equity_paints = paints_of(strip.equity.value)
        pnl_paints = paints_of(strip.open_pnl.value)
        texts: list[str] = []
        strip.open_pnl.value.setText = (  # every text the label is given
            lambda text, set_text=strip.open_pnl.value.setText: (texts.append(text),
                                                                  set_text(text)))
        btc = next(p for p in engine.positions() if p.symbol == "BTC/USDT")
        for tick in range(10):  # ten ticks, each in its own turns of the loop
            price = D(50000 + 10 * (tick + 1))
            btc.update_price(price)
            engine.events.publish(PricesUpdated({"BTC/USDT": price}))
            engine.events.publish(PositionUpdated(btc))
            await asyncio.sleep(0.01)
        assert window._strip_refresh.pending
        assert equity_paints == [] and pnl_paints == [] and texts == []
        window._strip_refresh.flush()
        await asyncio.sleep(0.05)
        assert len(texts) == 1  # one new text for the whole burst, and it is painted
        assert pnl_paints and equity_paints
        assert strip.open_pnl.value.text() == (
            fmt_decimal(btc.unrealized_pnl, 2, sign=True) + " USDT")  # 0.1 x 100 - fee
        balances = engine.balances()
        worth = balances["USDT"][1] + balances["BTC"][1] * D(50100)
        assert strip.equity.value.text() == fmt_decimal(worth, 2)

    run(scenario)


def test_the_strip_catches_up_by_itself_within_its_interval(run):
    """No flush, no event after the last tick: the last prices still reach the strip."""
    import asyncio

    from moniqo_desktop.engine.events import PositionUpdated, PricesUpdated
    from moniqo_desktop.ui.formatting import fmt_decimal

    from window_harness import until, until_idle

    async def scenario(window, engine, exchange):
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
        await until_idle()
        btc = next(p for p in engine.positions() if p.symbol == "BTC/USDT")
        btc.update_price(D("51234"))
        engine.events.publish(PricesUpdated({"BTC/USDT": D("51234")}))
        engine.events.publish(PositionUpdated(btc))
        want = fmt_decimal(btc.unrealized_pnl, 2, sign=True) + " USDT"
        await until(lambda: window.account.open_pnl.value.text() == want, timeout=5)
        assert window.account.open_pnl.value.text() == want

    run(scenario)


def test_a_new_strip_value_repaints_the_label_not_the_window_behind_it(run):
    """Strip labels were transparent: each repaint of one repainted the strip, the central
    widget and the main window under it (as many window paints as strip paints in the lag
    benchmark). A figure's value paints its own background now."""
    import asyncio

    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtGui import QColor, QRegion

    from moniqo_desktop.ui import theme

    async def scenario(window, engine, exchange):
        strip = window.account
        window.flush_events()  # the window's own figures shown, and none coming: the test
        window._strip_refresh._timer.setInterval(60_000)  # sets the strip's figures itself
        strip.set_open_pnl(D("1000.25"), 3)
        await settled(window)
        behind = paints_of(window)
        frame = paints_of(strip)
        label = paints_of(strip.open_pnl.value)
        for cents in range(26, 31):  # new values of the same width
            strip.set_open_pnl(D(f"1000.{cents}"), 3)
            await asyncio.sleep(0.02)
        assert len(label) >= 5  # each new value is painted
        # Other figures (ages, badge) may repaint the window elsewhere meanwhile; none of
        # its or the strip's paints may cover the value that changed.
        value = strip.open_pnl.value
        in_window = QRegion(QRect(value.mapTo(window, QPoint(0, 0)), value.size()))
        in_strip = QRegion(QRect(value.mapTo(strip, QPoint(0, 0)), value.size()))
        assert [r for r in behind if r.intersects(in_window)] == []
        assert [r for r in frame if r.intersects(in_strip)] == []
        assert strip.open_pnl.value.text() == "+1,000.30 USDT"
        image = window.grab().toImage()
        value = strip.open_pnl.value
        corner = value.mapTo(window, value.rect().topRight())
        # the label's own background is the strip's: no box around the figure
        assert image.pixelColor(corner.x() - 1, corner.y() + 1) == QColor(theme.current().panel)

    run(scenario)


async def settled(window, quiet_s: float = 0.15, timeout_s: float = 10.0) -> None:
    """Wait until the window has painted what it had to (a first show, a new layout) and
    nothing more is coming: `quiet_s` without a paint of it (a loaded machine may take a
    while for the first paint of a new window)."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout_s
    while not (window.windowHandle() and window.windowHandle().isExposed()):
        await asyncio.sleep(0.01)
        assert time.monotonic() < deadline, "the window never showed"
    window.repaint()  # whatever is still dirty, painted now
    seen = paints_of(window)
    while time.monotonic() < deadline:
        before = len(seen)
        await asyncio.sleep(quiet_s)
        if len(seen) == before:
            return

"""What the positions table paints is what the model says, after painting was made cheap.

The table's delegate paints each cell from the model's per-row cache (`MonitorModel.cell`)
instead of Qt's `initStyleOption`, which asked `data()` about eight roles per cell through
the proxy (issue #14, lag: ~20 ms of the GUI thread per repaint of 8 rows). These tests look
at the painted pixels and at the rows the delegate paints from, after every kind of change
that moves rows under the proxy: sorting, filtering, rows the filter hides being inserted or
removed (the proxy says nothing about those), a tick, stale prices.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QStyledItemDelegate

from moniqo_desktop.ui import theme
from moniqo_desktop.ui.models.monitor import STALE_MARK
from moniqo_desktop.ui.widgets.positions_panel import PositionsPanel

from ui_factories import make_position, show_sized

D = Decimal


@pytest.fixture
def panel(qtbot):
    return show_sized(qtbot, PositionsPanel(), 1300, 400)


def shot(panel: PositionsPanel) -> QImage:
    QApplication.processEvents()
    panel.view.repaint_changes.flush()
    return panel.view.viewport().grab().toImage()


def cell_rect(panel: PositionsPanel, obj_id: str, key: str) -> QRect:
    model = panel.model
    index = panel.view.proxy.mapFromSource(model.index(model.row_of(obj_id),
                                                       model.column_index(key)))
    assert index.isValid()
    return panel.view.visualRect(index)


def colours_in(image: QImage, rect: QRect) -> list[QColor]:
    return [image.pixelColor(x, y) for x in range(rect.left(), rect.right() + 1)
            for y in range(rect.top(), rect.bottom() + 1)]


def has_ink_of(image: QImage, rect: QRect, colour: str, tolerance: int = 60) -> bool:
    """Some pixel of `rect` close to `colour` (glyph edges are blended with the background,
    their cores are the text colour)."""
    want = QColor(colour)
    return any(abs(c.red() - want.red()) + abs(c.green() - want.green())
               + abs(c.blue() - want.blue()) <= tolerance for c in colours_in(image, rect))


def painted_rows(panel: PositionsPanel) -> list[str]:
    """The symbol the delegate paints on each row of the view."""
    view = panel.view
    col = panel.model.column_index("symbol")
    return [view.cell_at(r, col)[0] for r in range(view.proxy.rowCount())]


def shown_rows(panel: PositionsPanel) -> list[str]:
    """What Qt's own path says each row of the view is (through the proxy's mapping)."""
    proxy = panel.view.proxy
    col = panel.model.column_index("symbol")
    return [proxy.index(r, col).data() for r in range(proxy.rowCount())]


def test_profit_and_loss_are_painted_green_and_red_also_on_the_selected_row(panel):
    win = make_position(symbol="BTC/USDT", entry="50000", fees="0")
    win.update_price(D("51000"))
    loss = make_position(symbol="ETH/USDT", entry="3000", fees="0")
    loss.update_price(D("2900"))
    panel.model.reset([win, loss])
    up, down = theme.current().up, theme.current().down
    for selected in (None, win.id, loss.id):
        if selected is not None:
            panel.view.select_id(selected)
        image = shot(panel)
        win_cell = cell_rect(panel, win.id, "unrealized_pnl")
        loss_cell = cell_rect(panel, loss.id, "unrealized_pnl")
        assert has_ink_of(image, win_cell, up) and not has_ink_of(image, win_cell, down)
        assert has_ink_of(image, loss_cell, down) and not has_ink_of(image, loss_cell, up)
    assert panel.view.cell_at(0, panel.model.column_index("unrealized_pnl"))[0] in (
        "+500.00", "-50.00")


def test_a_tick_is_painted_with_its_new_value_and_colour(panel):
    p = make_position(symbol="BTC/USDT", entry="50000", fees="0")
    p.update_price(D("51000"))
    panel.model.reset([p])
    shot(panel)
    p.update_price(D("49000"))
    panel.model.upsert(p)
    image = shot(panel)
    col = panel.model.column_index("unrealized_pnl")
    assert panel.view.cell_at(0, col)[0] == "-500.00"
    assert panel.view.cell_at(0, panel.model.column_index("current_price"))[0] == "49,000.00"
    cell = cell_rect(panel, p.id, "unrealized_pnl")
    assert has_ink_of(image, cell, theme.current().down)
    assert not has_ink_of(image, cell, theme.current().up)


def test_stale_prices_paint_the_live_cells_muted_and_marked(panel):
    p = make_position(symbol="BTC/USDT", entry="50000", fees="0")
    p.update_price(D("51000"))
    panel.model.reset([p])
    shot(panel)
    panel.model.set_stale(lambda: "price 12 s old")
    image = shot(panel)
    col = panel.model.column_index("unrealized_pnl")
    text, _alignment, colour = panel.view.cell_at(0, col)
    assert text == "+500.00" + STALE_MARK
    assert colour.name() == theme.current().muted
    cell = cell_rect(panel, p.id, "unrealized_pnl")
    assert not has_ink_of(image, cell, theme.current().up, tolerance=30)
    panel.model.set_stale(None)
    image = shot(panel)
    assert panel.view.cell_at(0, col)[0] == "+500.00"
    assert has_ink_of(image, cell, theme.current().up)


def test_the_painted_rows_follow_sorting_filtering_and_hidden_rows(panel):
    """The delegate's row map is forgotten on every change of the proxy's mapping, including
    rows the filter hides being inserted or removed (which the proxy does not announce)."""
    positions = []
    for i in range(8):
        p = make_position(symbol=f"C{i:02d}/USDT", entry=str(100 + i), fees="0")
        p.update_price(D(100 + i) + D(i % 3) - 1)
        positions.append(p)
    panel.model.reset(positions)
    shot(panel)
    assert painted_rows(panel) == shown_rows(panel) and len(shown_rows(panel)) == 8
    model = panel.model
    panel.view.sortByColumn(model.column_index("unrealized_pnl"), Qt.SortOrder.DescendingOrder)
    shot(panel)
    assert painted_rows(panel) == shown_rows(panel)
    panel.symbol_filter.setText("C0")  # all of them still
    shot(panel)
    panel.set_filter("Open")
    panel.view.sortByColumn(model.column_index("symbol"), Qt.SortOrder.AscendingOrder)
    shot(panel)
    before = shown_rows(panel)
    assert painted_rows(panel) == before
    # a closed position arrives, first in the model's order: under "Open" the filter hides
    # it, yet every shown row moves down one model row
    gone = make_position(symbol="A00/USDT", entry="1", fees="0")
    gone.close(order_id="o", price=D("2"), reason="manual", fees=D(0))
    model.upsert(gone)
    assert model.row_of(gone.id) == 0 and "A00/USDT" not in shown_rows(panel)
    assert painted_rows(panel) == shown_rows(panel) == before
    model.remove(gone.id)
    assert painted_rows(panel) == shown_rows(panel) == before
    panel.view.sortByColumn(model.column_index("unrealized_pnl"), Qt.SortOrder.DescendingOrder)
    # a row changes place on a re-sort
    positions[0].update_price(D("1000"))
    model.upsert(positions[0])
    model.apply_sort()
    shot(panel)
    assert shown_rows(panel)[0] == "C00/USDT"
    assert painted_rows(panel) == shown_rows(panel)
    panel.symbol_filter.setText("C03")
    shot(panel)
    assert painted_rows(panel) == shown_rows(panel) == ["C03/USDT"]


def test_the_close_button_is_painted_only_on_open_rows(panel):
    open_one = make_position(symbol="BTC/USDT", entry="50000", fees="0")
    shut = make_position(symbol="ETH/USDT", entry="3000", fees="0")
    panel.model.reset([open_one, shut])
    panel.set_filter("All")
    col = panel.model.column_index("close")
    view = panel.view
    labels = {view.cell_at(r, panel.model.column_index("symbol"))[0]: view.cell_at(r, col)[0]
              for r in range(view.proxy.rowCount())}
    assert labels == {"BTC/USDT": "Close", "ETH/USDT": "Close"}
    shut.close(order_id="o", price=D("3100"), reason="manual", fees=D(0))
    panel.model.upsert(shut)
    labels = {view.cell_at(r, panel.model.column_index("symbol"))[0]: view.cell_at(r, col)[0]
              for r in range(view.proxy.rowCount())}
    assert labels == {"BTC/USDT": "Close", "ETH/USDT": ""}
    image = shot(panel)
    # a button has a frame: more than two colours in its cell; a blank cell has the row's
    button = cell_rect(panel, open_one.id, "close")
    blank = cell_rect(panel, shut.id, "close")
    assert len({c.rgba() for c in colours_in(image, button)}) > 4
    assert len({c.rgba() for c in colours_in(image, blank)}) <= 2


def test_a_table_repaint_paints_the_table_not_the_window_behind_it(run, qapp):
    """The viewport was transparent: each repaint of changed rows (5 a second while prices
    stream) also repainted the panel, the splitters, the central widget and the main window
    behind it. It paints its own background now, in both themes."""
    import asyncio

    from test_paint_cost import paints_of, settled

    from moniqo_desktop.ui import coalesce

    async def scenario(window, engine, exchange):
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
        view = window.positions.view
        for name in ("dark", "light"):
            window.set_theme(name)
            await asyncio.sleep(0.1)
            window.flush_events()
            coalesce.flush_throttled()  # what the theme change asked for is painted now
            await settled(window)
            behind, panel = paints_of(window), paints_of(window.positions)
            rows = paints_of(view.viewport())
            position = window.positions.model.object_at(0)
            window.positions.model.upsert(position)
            view.repaint_changes.flush()
            await asyncio.sleep(0.05)
            assert rows and behind == [] and panel == []
            image = view.viewport().grab().toImage()
            below = view.viewport().height() - 3  # below the only row: the table's colour
            assert image.pixelColor(5, below) == QColor(theme.current().base)
        window.set_theme("dark")

    run(scenario)


class QtPath(QStyledItemDelegate):
    """Qt's own way to paint a cell (initStyleOption: every role through the proxy, then the
    style), with the colour kept on selection: what the table painted before."""

    def initStyleOption(self, option, index):  # noqa: N802
        super().initStyleOption(option, index)
        foreground = option.palette.brush(QPalette.ColorGroup.Active, QPalette.ColorRole.Text)
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            option.palette.setBrush(group, QPalette.ColorRole.HighlightedText, foreground)


def test_the_cached_painting_draws_what_qts_own_path_draws(qtbot):
    """Same rows, same widths, one table painted by its delegate, one by Qt's path: the
    pixels agree (text place, elision, colours, selection, alternate rows, the focus frame)."""
    positions = []
    for i in range(6):
        p = make_position(symbol=f"LONGNAME{i}/USDT", entry=str(100 + 10 * i), fees="0.1")
        p.update_price(D(100 + 10 * i) + D(i % 3) - 1)
        positions.append(p)
    images = []
    for qt_path in (False, True):
        panel = PositionsPanel()
        qtbot.addWidget(panel)
        panel.model.reset(positions)
        panel.resize(1300, 300)
        panel.show()
        qtbot.waitExposed(panel)
        if qt_path:
            panel.view.setItemDelegate(QtPath(panel.view))
        panel.view.setColumnWidth(panel.model.column_index("symbol"), 70)  # elided
        panel.view.select_id(positions[2].id)
        panel.view.setFocus()
        # the focus frame is part of what is compared: both shots wait until the view has it
        # (on a loaded machine the window's activation could land after the first shot)
        panel.activateWindow()
        qtbot.waitUntil(panel.view.hasFocus)
        images.append(shot(panel))
    ours, qts = images
    assert ours.size() == qts.size()
    view = panel.view
    checked = 0
    for row in range(view.proxy.rowCount()):
        for col in range(panel.model.columnCount()):
            if view.isColumnHidden(col):
                continue
            rect = view.visualRect(view.proxy.index(row, col))
            ink_ours, ink_qts = ink(ours, rect), ink(qts, rect)
            assert (ink_ours is None) == (ink_qts is None), (row, col)
            if ink_ours is None:
                continue
            (box_a, count_a, colour_a), (box_b, count_b, colour_b) = ink_ours, ink_qts
            # the same text at the same place (glyphs may sit a sub-pixel apart: Qt lays
            # out at fractional positions), in the same colour
            assert all(abs(a - b) <= 1 for a, b in zip(box_a, box_b)), (row, col, box_a, box_b)
            assert abs(count_a - count_b) <= max(6, count_b // 4), (row, col)
            assert sum(abs(a - b) for a, b in zip(colour_a, colour_b)) <= 60, (row, col)
            checked += 1
    assert checked >= 6 * 8


def ink(image: QImage, rect: QRect):
    """(bounding box, pixel count, strongest colour) of what is drawn on a cell's background,
    or None for a blank cell. The strongest colour is the drawn pixel farthest from the
    background: a glyph's core, where antialiasing leaves the text colour itself."""
    background = image.pixel(rect.left() + 1, rect.top() + 1)
    bg = QColor(background)
    pixels = [(x, y, image.pixel(x, y)) for x in range(rect.left() + 1, rect.right())
              for y in range(rect.top() + 1, rect.bottom())]
    drawn = [(x, y, c) for x, y, c in pixels if c != background]
    if not drawn:
        return None
    xs, ys = [x for x, _, _ in drawn], [y for _, y, _ in drawn]
    def rgb(c: int) -> tuple[int, int, int]:
        q = QColor(c)
        return q.red(), q.green(), q.blue()

    base = (bg.red(), bg.green(), bg.blue())
    colour = max((rgb(c) for _, _, c in drawn),
                 key=lambda v: sum(abs(a - b) for a, b in zip(v, base)))
    return (min(xs), min(ys), max(xs), max(ys)), len(drawn), colour

"""Trading from the chart, in the real window on the paper exchange: drag, keys, menu."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from chart_session import ChartSession, Spy, drag_line
from moniqo_desktop.ui import theme
from moniqo_desktop.ui.widgets.chart_audit import MarkerItem, MarkerLabel
from window_harness import until_idle

D = Decimal


@pytest.fixture
def session(qloop, qtbot, tmp_path):
    s = ChartSession(qtbot, tmp_path)

    def run(scenario):
        async def main():
            await s.open()
            try:
                await scenario(s, qtbot)
            finally:
                await s.close()
        qloop.run_until_complete(main())

    return run


def test_dragging_a_longs_stop_to_a_valid_place_moves_it_once_on_the_tick(session):
    async def scenario(s, qtbot):
        position_id = await s.buy(stop_loss="49000", take_profit="51500")
        await s.tick("50200")
        spy = Spy(s.engine, "update_protection")
        chart = s.chart
        drag_line(chart, "stop", 49512.3456)
        assert chart.pending is not None and chart.confirm_bar.isVisible()
        dropped = chart.pending.price  # where the hand let go, on the 0.01 tick
        assert abs(dropped - D("49512.35")) < 15 and dropped == dropped.quantize(D("0.01"))
        distance = (dropped - D("50200")) / D("50200") * 100
        assert chart.stop_label.toPlainText().startswith(
            f"stop {dropped:,.2f} · {distance:.2f} % · P&L if hit -")
        assert spy.calls == []  # nothing sent before the confirmation
        qtbot.keyClick(chart, Qt.Key.Key_Return)
        await until_idle()
        assert len(spy.calls) == 1
        args, kwargs = spy.calls[0]
        assert args == (position_id,) and kwargs["stop_loss"] == dropped
        assert kwargs["take_profit"] == D("51500")  # the other levels are kept
        assert s.engine.position(position_id).stop_loss == dropped
        assert chart.stop_line.value() == float(dropped) and not chart.confirm_bar.isVisible()
        history = s.engine.position_updates(position_id)
        assert history[-1].stop_loss == dropped  # recorded in the position's history

    session(scenario)


def test_dragging_the_stop_above_the_price_snaps_back_and_sends_nothing(session):
    async def scenario(s, qtbot):
        position_id = await s.buy(stop_loss="49000")
        spy = Spy(s.engine, "update_protection")
        chart = s.chart
        drag_line(chart, "stop", 50400)
        await until_idle()
        assert spy.calls == [] and chart.pending is None
        assert chart.stop_line.value() == 49000.0  # back where it was
        assert s.engine.position(position_id).stop_loss == D("49000")
        message = s.window.statusBar().currentMessage()
        assert "below the price" in message and "50,000.00" in message

    session(scenario)


def test_escape_on_the_confirmation_changes_nothing(session):
    async def scenario(s, qtbot):
        position_id = await s.buy(stop_loss="49000")
        spy = Spy(s.engine, "update_protection")
        chart = s.chart
        drag_line(chart, "stop", 49600)
        assert chart.confirm_bar.isVisible()
        qtbot.keyClick(chart, Qt.Key.Key_Escape)
        await until_idle()
        assert spy.calls == [] and not chart.confirm_bar.isVisible()
        assert chart.stop_line.value() == 49000.0
        assert chart.stop_label.toPlainText() == "stop 49,000.00"
        assert s.engine.position(position_id).stop_loss == D("49000")

    session(scenario)


def test_dragging_the_trailing_line_sets_the_trailing_percent(session):
    async def scenario(s, qtbot):
        position_id = await s.buy(trailing_stop_percent="1")
        await s.tick("51000")  # HWM 51 000: trailing stop at 50 490
        chart = s.chart
        assert chart.level_lines["trailing"].value() == pytest.approx(50490)
        s.chart.confirm_changes = False  # the setting that skips the confirmation
        spy = Spy(s.engine, "update_protection")
        drag_line(chart, "trailing", 49980)  # 2 % under the HWM
        await until_idle()
        assert len(spy.calls) == 1
        pct = spy.calls[0][1]["trailing_stop_percent"]
        assert D("1.95") <= pct <= D("2.05") and pct == pct.quantize(D("0.01"))
        position = s.engine.position(position_id)
        assert position.trailing_stop_percent == pct
        # the looser trail holds at once, measured from the HWM (no cycle needed)
        assert position.stop_loss == D("51000") * (1 - pct / 100)

    session(scenario)


def test_the_keyboard_moves_the_selected_line_by_ticks(session):
    async def scenario(s, qtbot):
        position_id = await s.buy(stop_loss="49000")
        spy = Spy(s.engine, "update_protection")
        chart = s.chart
        chart.setFocus()
        qtbot.keyClick(chart, Qt.Key.Key_S)
        assert chart.selected_level == "stop"
        qtbot.keyClick(chart, Qt.Key.Key_Up)
        qtbot.keyClick(chart, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
        qtbot.keyClick(chart, Qt.Key.Key_Down)
        assert chart.pending.price == D("49000.10")  # +1 +10 -1 ticks of 0.01
        qtbot.keyClick(chart, Qt.Key.Key_Return)
        await until_idle()
        assert [c[1]["stop_loss"] for c in spy.calls] == [D("49000.10")]
        assert s.engine.position(position_id).stop_loss == D("49000.10")

    session(scenario)


def test_right_click_sets_the_target_here(session):
    async def scenario(s, qtbot):
        position_id = await s.buy(stop_loss="49000")
        chart = s.chart
        menu = chart.context_menu(50750.004)
        texts = [a.text() for a in menu.actions() if a.text()]
        assert texts == ["Set stop here (50,750.00)", "Set target here (50,750.00)",
                         "Candles behind the line"]
        menu.actions()[0].trigger()  # a stop above the price: refused, with the reason
        assert chart.pending is None and "below the price" in \
            s.window.statusBar().currentMessage()
        menu.actions()[1].trigger()
        qtbot.keyClick(chart, Qt.Key.Key_Return)
        await until_idle()
        assert s.engine.position(position_id).take_profit == D("50750")
        assert chart.target_line.value() == 50750.0

    session(scenario)


def test_an_automatic_trailing_exit_gets_one_labelled_marker_that_survives_a_restart(session):
    async def scenario(s, qtbot):
        position_id = await s.buy(trailing_stop_percent="2")
        await s.tick("53000")  # HWM 53 000: the trail holds at 51 940
        await s.tick("51900")  # through it: the exit fires and fills at 51 900
        await s.tick("51900")
        position = s.engine.position(position_id)
        assert not position.is_open and position.close_reason.value == "trailing_stop"
        label = "trailing stop @ 51,900.00 (level 51,940.00, from HWM 53,000.00 − 2 %)"
        assert s.chart.exit_labels() == [label]
        arrows = [i.marker.arrow for i in s.chart.marker_items if isinstance(i, MarkerItem)]
        assert arrows == ["▲", "▼"]
        exit_order = next(o for o in s.engine.orders() if o.intent.value == "exit")
        tip = s.window.orders.model.data(
            s.window.orders.model.index(s.window.orders.model.row_of(exit_order.id),
                                        s.window.orders.model.column_index("intent")),
            Qt.ItemDataRole.ToolTipRole)
        for part in ("Exit: trailing stop", "Level: 51,940.00", "Trigger price: 51,900.00",
                     "Fill price: 51,900.00", "Slippage: ", "Fees: "):
            assert part in tip
        assert any("level 51,940.00, from HWM 53,000.00 − 2 %" in line
                   for line in s.window.log_panel.texts())  # and in the log, spelled alike
        await s.restart()
        s.window.positions.status_filter.setCurrentText("All")
        s.select(position_id)  # the closed position, charted from the store
        assert s.chart.exit_labels() == [label]
        stored = next(o for o in s.engine.orders() if o.intent.value == "exit")
        assert stored.exit_decision.water_mark == D("53000")
        assert stored.exit_decision.trailing_percent == D("2")
        assert stored.exit_decision.level == D("51940.00")

    session(scenario)


async def closed_at_its_target_and_charted(s):
    """A long bought at 50,000 and closed at its 51,000 target 42 minutes later: the chart's
    highest price is the exit's and its lowest the entry's, so both markers sit at the plot's
    edges. Returns (position id, chart, the price plot's rect in scene coordinates)."""
    position_id = await s.buy(amount="0.05", take_profit="51000")
    await s.tick("51000", seconds=42 * 60 + 17)
    await s.tick("51000")
    s.window.positions.status_filter.setCurrentText("All")
    s.select(position_id)
    await until_idle()
    chart = s.chart
    return position_id, chart, chart.price_plot.vb.sceneBoundingRect()


def test_an_exit_at_the_top_of_the_chart_keeps_its_label_inside_the_plot(session):
    # A long closed at its target exits at the highest price of the chart: its label (drawn
    # above the ▼) went out through the top of the plot, and only a one-pixel red sliver of it
    # showed, just under the chart's header (issue #14's closed BTC/USDT screenshot).
    async def scenario(s, qtbot):
        position_id, chart, plot_rect = await closed_at_its_target_and_charted(s)
        assert not s.engine.position(position_id).is_open
        assert chart.exit_labels() == ["take profit @ 51,000.00 (level 51,000.00)"]
        labels = [item for item in chart.marker_items if isinstance(item, MarkerLabel)]
        assert len(labels) == 1
        for item in labels:  # a label (its whole box is painted) cut by the plot's edge
            assert item.isVisible()
            rect = item.mapRectToScene(item.textItem.mapRectToParent(
                item.textItem.boundingRect()))
            assert plot_rect.contains(rect), (item.toPlainText(), rect, plot_rect)
        # and on screen: the plot's top rows hold no pixel of the exit's red but its ▼
        view = chart.graphics
        image = view.grab().toImage()
        top = view.mapFromScene(plot_rect.topLeft())
        right = view.mapFromScene(plot_rect.topRight()).x()
        arrows = [view.mapFromScene(item.mapRectToScene(item.textItem.mapRectToParent(
            item.textItem.boundingRect()))).boundingRect()
            for item in chart.marker_items if isinstance(item, MarkerItem)]
        reds = [(x, y) for y in range(top.y(), top.y() + 4) for x in range(top.x(), right)
                if (lambda c: c.red() > c.green() + 40)(QColor(image.pixel(x, y)))
                and not any(box.contains(x, y) for box in arrows)]
        assert reds == []

    session(scenario)


def test_the_first_entry_marker_is_drawn_whole_inside_the_plot(session):
    # The entry's ▲ sits at the first sample (the plot's left edge) under the lowest price
    # of the chart (its bottom): the plot clipped its left side and its base (issue #14's
    # closed BTC/USDT screenshot).
    async def scenario(s, qtbot):
        _, chart, plot_rect = await closed_at_its_target_and_charted(s)
        arrows = [item for item in chart.marker_items if isinstance(item, MarkerItem)]
        assert [item.marker.arrow for item in arrows] == ["▲", "▼"]
        view = chart.graphics
        image = view.grab().toImage()  # painted: each item has its final transform
        for item in arrows:  # the glyph's whole box (a TextItem ignores the view's scale)
            box = item.mapRectToScene(item.textItem.mapRectToParent(
                item.textItem.boundingRect()))
            assert plot_rect.contains(box), (item.marker.arrow, box, plot_rect)
        # and on screen: the ▲'s pixels (the "up" colour) stop short of the plot's left
        # and bottom edges, as a glyph does that the edge did not cut
        up = QColor(theme.current().up)
        left = view.mapFromScene(plot_rect.topLeft()).x()
        bottom = view.mapFromScene(plot_rect.bottomLeft()).y()
        near = view.mapFromScene(arrows[0].mapRectToScene(arrows[0].textItem.mapRectToParent(
            arrows[0].textItem.boundingRect()))).boundingRect().adjusted(-20, -20, 20, 20)

        def is_up(x: int, y: int) -> bool:
            c = QColor(image.pixel(x, y))
            return abs(c.red() - up.red()) + abs(c.green() - up.green()) \
                + abs(c.blue() - up.blue()) < 90

        glyph = [(x, y) for x in range(max(near.left(), left), near.right())
                 for y in range(near.top(), min(near.bottom(), bottom) + 1) if is_up(x, y)]
        assert len(glyph) >= 20, "the ▲ is painted"
        assert min(x for x, _ in glyph) > left + 1 and max(y for _, y in glyph) < bottom - 1

    session(scenario)


def test_candles_cover_a_life_of_several_minutes_and_the_menu_toggles_them(session):
    async def scenario(s, qtbot):
        await s.buy(stop_loss="49000")
        for price in ("50100", "50300", "49800", "50200", "50500"):
            await s.tick(price, seconds=60)  # five minutes: 1m candles
        await until_idle()
        chart = s.chart
        assert chart.timeframe == "1m"
        candles = chart.candle_item.candles
        assert len(candles) >= 5 and chart.candle_item.isVisible()
        assert min(c.low for c in candles) == D("49800")
        assert max(c.high for c in candles) == D("50500")
        menu = chart.context_menu(50000.0)
        toggle = next(a for a in menu.actions() if a.text() == "Candles behind the line")
        toggle.trigger()
        assert not chart.show_candles and not chart.candle_item.isVisible()
        await s.tick("50400", seconds=60)  # a candle closed: refreshed, still hidden
        await until_idle()
        assert len(chart.candle_item.candles) >= 6 and not chart.candle_item.isVisible()

    session(scenario)


def test_the_setting_to_skip_the_confirmation_is_in_the_settings_dialog(qtbot):
    from moniqo_desktop.config import Settings
    from moniqo_desktop.ui.dialogs.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert dialog.chart_confirm.isChecked()  # asking is the default
    dialog.chart_confirm.setChecked(False)
    assert dialog.build_settings().chart_confirm_changes is False

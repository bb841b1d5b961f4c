"""The column chooser: the header's right-click menu shows/hides columns, defaults come from the
column declarations, and the trader's choice survives a restart through QSettings."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, QSettings
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu

from window_harness import until_idle

from moniqo_desktop.ui.models.monitor import CellKind, Column
from moniqo_desktop.ui.models.orders import ORDER_COLUMNS
from moniqo_desktop.ui.models.positions import POSITION_COLUMNS
from moniqo_desktop.ui.widgets.orders_panel import OrdersPanel
from moniqo_desktop.ui.widgets.positions_panel import PositionsPanel

PANELS = [PositionsPanel, OrdersPanel]


def _index(key: str) -> int:
    return [c.key for c in POSITION_COLUMNS].index(key)


def ini(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


def make(qtbot, panel_type):
    panel = panel_type()
    qtbot.addWidget(panel)
    return panel


def menu_actions(menu: QMenu) -> dict[str, object]:
    return {a.objectName().removeprefix("column:"): a for a in menu.actions()
            if a.objectName().startswith("column:")}


def defaults(panel) -> set[str]:
    return {c.key for c in panel.model.columns if c.visible}


def shown(panel) -> set[str]:
    return set(panel.view.visible_column_keys())


def test_declarations_keep_the_essentials_and_trim_the_rest():
    for columns in (POSITION_COLUMNS, ORDER_COLUMNS):
        for column in columns:
            if column.kind is CellKind.ACTION or column.key == "symbol":
                assert not column.hideable and column.visible, column.key
    hidden = {c.key for c in POSITION_COLUMNS if not c.visible}
    assert hidden == {"realized_pnl", "high_water_mark", "low_water_mark", "max_drawdown",
                      "trailing_stop_percent"}
    assert {c.key for c in ORDER_COLUMNS if not c.visible} == {"client_order_id"}
    with pytest.raises(ValueError):
        Column("x", "X", visible=False, hideable=False)


@pytest.mark.parametrize("panel_type", PANELS)
def test_the_header_menu_lists_every_column(qtbot, panel_type):
    panel = make(qtbot, panel_type)
    menu = panel.view.make_column_menu()
    actions = menu_actions(menu)
    assert list(actions) == [c.key for c in panel.model.columns]
    for column in panel.model.columns:
        action = actions[column.key]
        assert action.isCheckable()
        assert action.text() == column.menu_label.replace("&", "&&")  # shown as "Open P&L"
        assert action.isChecked() == column.visible
        assert action.isEnabled() == column.hideable
    assert any(a.text() == "Reset columns" for a in menu.actions())


def right_click_header(panel) -> None:
    header = panel.view.horizontalHeader()
    pos = QPoint(header.sectionViewportPosition(1) + 5, header.height() // 2)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, header.mapToGlobal(pos))
    QApplication.sendEvent(header.viewport(), event)  # where a mouse's right click lands


def test_right_click_on_the_header_opens_the_column_menu_not_the_row_menu(qtbot):
    panel = make(qtbot, PositionsPanel)
    panel.show()
    row_menu = []
    panel.view.customContextMenuRequested.connect(row_menu.append)
    right_click_header(panel)
    menu = panel.view.column_menu
    assert menu is not None and menu.isVisible()
    assert QApplication.activePopupWidget() is menu
    assert row_menu == []
    menu.close()


def test_unticking_a_column_hides_it_and_ticking_shows_it_again(qtbot):
    panel = make(qtbot, PositionsPanel)
    view = panel.view
    col = panel.model.column_index("side")
    width = view.columnWidth(col)
    menu_actions(view.make_column_menu())["side"].trigger()
    assert view.isColumnHidden(col) and "side" not in shown(panel)
    menu_actions(view.make_column_menu())["side"].trigger()
    assert not view.isColumnHidden(col) and view.columnWidth(col) == width


def test_a_default_hidden_column_shows_at_a_readable_width(qtbot):
    panel = make(qtbot, PositionsPanel)
    view = panel.view
    hwm = panel.model.column_index("high_water_mark")
    assert view.isColumnHidden(hwm)
    menu_actions(view.make_column_menu())["high_water_mark"].trigger()
    assert not view.isColumnHidden(hwm)
    assert view.columnWidth(hwm) >= view.fontMetrics().horizontalAdvance("00,000.00")


@pytest.mark.parametrize(("panel_type", "keys"),
                         [(PositionsPanel, ("close", "symbol")), (OrdersPanel, ("cancel", "symbol"))])
def test_the_action_and_symbol_columns_cannot_be_hidden(qtbot, panel_type, keys):
    panel = make(qtbot, panel_type)
    view = panel.view
    actions = menu_actions(view.make_column_menu())
    for key in keys:
        assert not actions[key].isEnabled()
        actions[key].trigger()  # a disabled action does nothing; the method refuses as well
        assert view.set_column_visible(key, False) is False
        assert view.is_column_visible(key)


@pytest.mark.parametrize("panel_type", PANELS)
def test_first_run_applies_the_declared_defaults(qtbot, tmp_path, panel_type):
    panel = make(qtbot, panel_type)
    panel.restore_state(ini(tmp_path))  # nothing saved yet
    assert shown(panel) == defaults(panel)


@pytest.mark.parametrize("panel_type", PANELS)
def test_choices_and_widths_survive_a_save_restore_round_trip(qtbot, tmp_path, panel_type):
    first = make(qtbot, panel_type)
    view = first.view
    hidden_default = next(c.key for c in first.model.columns if not c.visible)
    view.set_column_visible("side", False)  # a default column hidden by the trader
    view.set_column_visible(hidden_default, True)  # a hidden-by-default column shown
    amount = first.model.column_index("amount")
    view.setColumnWidth(amount, 141)
    settings = ini(tmp_path)
    first.save_state(settings)
    settings.sync()

    second = make(qtbot, panel_type)
    second.restore_state(ini(tmp_path))
    assert shown(second) == (defaults(second) - {"side"}) | {hidden_default}
    assert second.view.columnWidth(amount) == 141


def test_restore_never_hides_what_must_stay(qtbot, tmp_path):
    settings = ini(tmp_path)
    keys = [c.key for c in POSITION_COLUMNS]
    hidden = ["close", "symbol", "amount"] + [c.key for c in POSITION_COLUMNS if not c.visible]
    settings.setValue("positions/columns", json.dumps({"known": keys, "hidden": hidden}))
    panel = make(qtbot, PositionsPanel)
    panel.restore_state(settings)
    assert shown(panel) == defaults(panel) - {"amount"}


def test_a_layout_saved_before_the_chooser_gets_the_defaults_but_keeps_widths(qtbot, tmp_path):
    """An older version saved only Qt's header state, with every column shown."""
    old = make(qtbot, PositionsPanel)
    for column in old.model.columns:
        old.view.set_column_visible(column.key, True)
    amount = old.model.column_index("amount")
    old.view.setColumnWidth(amount, 133)
    settings = ini(tmp_path)
    settings.setValue("positions/header", old.view.horizontalHeader().saveState())

    panel = make(qtbot, PositionsPanel)
    panel.restore_state(settings)
    assert shown(panel) == defaults(panel)
    assert panel.view.columnWidth(amount) == 133


def test_a_column_added_since_the_save_gets_its_default(qtbot, tmp_path):
    settings = ini(tmp_path)
    known = [c.key for c in POSITION_COLUMNS if c.key != "max_drawdown"]  # "new" column
    hidden = ["side"] + [k for k in known if not POSITION_COLUMNS[_index(k)].visible]
    settings.setValue("positions/columns", json.dumps({"known": known, "hidden": hidden}))
    panel = make(qtbot, PositionsPanel)
    panel.restore_state(settings)
    assert shown(panel) == defaults(panel) - {"side"}
    assert not panel.view.is_column_visible("max_drawdown")  # its declared default


@pytest.mark.parametrize("panel_type", PANELS)
def test_reset_columns_restores_defaults_widths_and_order(qtbot, tmp_path, panel_type):
    panel = make(qtbot, panel_type)
    view = panel.view
    header = view.horizontalHeader()
    widths = [view.columnWidth(i) for i in range(len(panel.model.columns))]
    for column in panel.model.columns:
        view.set_column_visible(column.key, not column.visible)
    view.setColumnWidth(panel.model.column_index("amount"), 300)
    header.moveSection(header.visualIndex(panel.model.column_index("status")), 1)
    assert shown(panel) != defaults(panel)

    reset = next(a for a in view.make_column_menu().actions() if a.text() == "Reset columns")
    reset.trigger()
    assert shown(panel) == defaults(panel)
    assert [header.logicalIndex(v) for v in range(header.count())] == list(
        range(header.count()))
    for i, column in enumerate(panel.model.columns):
        if column.visible:
            assert view.columnWidth(i) == widths[i], column.key

    # and the reset is what gets saved
    settings = ini(tmp_path)
    panel.save_state(settings)
    again = make(qtbot, panel_type)
    again.restore_state(settings)
    assert shown(again) == defaults(again)


def test_the_default_columns_fit_a_1440_wide_window(run, qtbot):
    """The point of the defaults: at 1440×900 neither table scrolls sideways."""

    async def scenario(window, engine, exchange):
        window.resize(1440, 900)
        await until_idle()
        for panel in (window.positions, window.orders):
            view = panel.view
            assert view.horizontalHeader().length() <= view.viewport().width(), panel.objectName()
            assert view.horizontalScrollBar().maximum() == 0

    run(scenario)

"""The generic monitor model: one row per id, dataChanged for exactly that row."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from moniqo_desktop.domain import ExitReason
from moniqo_desktop.ui import theme
from moniqo_desktop.ui.models.monitor import (
    CellKind,
    Column,
    MonitorModel,
    MonitorProxy,
    SortRole,
)
from moniqo_desktop.ui.models.orders import make_orders_model
from moniqo_desktop.ui.models.positions import make_positions_model

from ui_factories import filled, make_order, make_position

D = Decimal
DISPLAY = Qt.ItemDataRole.DisplayRole


class Row:
    def __init__(self, id: str, name: str, pnl: Decimal | None) -> None:
        self.id, self.name, self.pnl = id, name, pnl


COLUMNS = (
    Column("name", "Name"),
    Column("pnl", "P&L", kind=CellKind.PNL),
    Column("pct", "Pct", get=lambda r: None if r.pnl is None else r.pnl / 10,
           kind=CellKind.SIGNED_PERCENT),
)


def spy(model: MonitorModel) -> list[tuple[int, int, int, int]]:
    seen: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda tl, br, roles=(): seen.append((tl.row(), br.row(), tl.column(), br.column())))
    return seen


def test_insert_emits_rows_inserted_once(qtbot):
    model = MonitorModel(COLUMNS)
    with qtbot.waitSignal(model.rowsInserted) as blocker:
        model.upsert(Row("a", "alpha", D("1")))
    assert blocker.args[1:] == [0, 0]
    with qtbot.waitSignal(model.rowsInserted) as blocker:
        model.upsert(Row("b", "beta", D("-2")))
    assert blocker.args[1:] == [1, 1]
    assert model.rowCount() == 2


def test_upsert_existing_id_changes_exactly_that_row(qtbot):
    model = MonitorModel(COLUMNS)
    for i in range(5):
        model.upsert(Row(f"r{i}", f"row {i}", D(i)))
    changed = spy(model)
    resets: list[bool] = []
    model.modelAboutToBeReset.connect(lambda: resets.append(True))
    inserted: list[bool] = []
    model.rowsInserted.connect(lambda *a: inserted.append(True))

    with qtbot.waitSignal(model.dataChanged):
        model.upsert(Row("r3", "row 3", D("42.5")))

    assert changed == [(3, 3, 0, len(COLUMNS) - 1)]
    assert not resets and not inserted
    assert model.rowCount() == 5
    assert model.index(3, 1).data(DISPLAY) == "+42.50"


def test_cell_kinds_text_alignment_and_colours():
    model = MonitorModel(COLUMNS)
    model.upsert(Row("up", "up", D("12.345")))
    model.upsert(Row("down", "down", D("-0.5")))
    model.upsert(Row("flat", "flat", D("0")))
    model.upsert(Row("none", "none", None))
    t = theme.current()
    fg = Qt.ItemDataRole.ForegroundRole
    assert model.index(0, 1).data(DISPLAY) == "+12.35"
    assert model.index(1, 1).data(DISPLAY) == "-0.50"
    assert model.index(2, 1).data(DISPLAY) == "0.00"
    assert model.index(3, 1).data(DISPLAY) == ""
    assert model.index(0, 2).data(DISPLAY) == "+1.23 %"
    assert QColor(model.index(0, 1).data(fg)) == t.color("up")
    assert QColor(model.index(1, 1).data(fg)) == t.color("down")
    assert QColor(model.index(1, 2).data(fg)) == t.color("down")
    assert model.index(2, 1).data(fg) is None
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert int(model.index(0, 1).data(Qt.ItemDataRole.TextAlignmentRole)) == right
    assert int(model.index(0, 0).data(Qt.ItemDataRole.TextAlignmentRole)) != right


def test_proxy_sorts_by_raw_value_not_text(qtbot):
    model = MonitorModel(COLUMNS)
    for i, value in enumerate(["9", "10", "-100", "2.5"]):
        model.upsert(Row(str(i), f"n{i}", D(value)))
    model.upsert(Row("blank", "blank", None))
    proxy = MonitorProxy()
    proxy.setSourceModel(model)
    proxy.sort(1, Qt.SortOrder.AscendingOrder)
    texts = [proxy.index(r, 1).data(DISPLAY) for r in range(proxy.rowCount())]
    assert texts == ["", "-100.00", "+2.50", "+9.00", "+10.00"]  # text sort would put +10 first
    proxy.sort(1, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, 1).data(DISPLAY) == "+10.00"
    # a live update keeps the order right: the row moves at the burst's one re-sort
    model.upsert(Row("3", "n3", D("1000")))
    qtbot.waitUntil(lambda: proxy.index(0, 1).data(SortRole) == 1000.0, timeout=3000)


def test_proxy_predicate_filters_rows():
    model = MonitorModel(COLUMNS)
    for i in range(4):
        model.upsert(Row(str(i), f"n{i}", D(i)))
    proxy = MonitorProxy()
    proxy.setSourceModel(model)
    proxy.set_predicate(lambda r: r.pnl >= 2)
    assert proxy.rowCount() == 2
    proxy.set_predicate(None)
    assert proxy.rowCount() == 4


def test_positions_columns_show_worked_example():
    model = make_positions_model()
    position = make_position()
    position.update_price(D("51000"))
    model.upsert(position)
    col = model.column_index
    cell = lambda key: model.index(0, col(key)).data(DISPLAY)  # noqa: E731
    assert cell("unrealized_pnl") == "+475.00"
    assert cell("unrealized_pnl_percent") == "+1.90 %"
    assert cell("realized_pnl") == ""
    assert cell("entry_price") == "50,000.00"
    assert cell("side") == "Long"
    assert cell("risk_level") == "Low"
    assert cell("high_water_mark") == "51,000.00"
    position.close(price=D("51500"), fees=D("25.75"), reason=ExitReason.MANUAL)
    model.upsert(position)
    assert cell("realized_pnl") == "+699.25"
    assert cell("unrealized_pnl") == ""
    assert cell("status") == "Closed · manual"


def test_orders_columns_and_cancel_action():
    from moniqo_desktop.ui.models.monitor import ActionRole

    model = make_orders_model()
    resting = make_order()
    resting.update_status("submitted")
    resting.update_status("open")
    done = filled(make_order(type="market", price=None), "50000", fee="25")
    model.upsert(resting)
    model.upsert(done)
    col = model.column_index
    assert model.index(0, col("cancel")).data(ActionRole) == "Cancel"
    assert model.index(1, col("cancel")).data(ActionRole) is None
    assert model.index(1, col("avg_price")).data(DISPLAY) == "50,000.00"
    assert model.index(1, col("fees")).data(DISPLAY) == "25.00"
    assert model.index(0, col("price")).data(DISPLAY) == "49,000.00"
    tip = model.index(1, col("status")).data(Qt.ItemDataRole.ToolTipRole)
    assert "Submitted" in tip and "Filled" in tip
    # the history's fill note spelled as the table spells the price (it read "@ 50000")
    assert f"fill {done.amount} @ 50,000.00" in tip and "@ 50000" not in tip, tip


def test_current_row_leaving_the_view_selects_nothing_rather_than_a_neighbour(qtbot):
    """Qt would make a neighbour current; Del / Ctrl+W would then act on the wrong row."""
    from moniqo_desktop.ui.widgets.positions_panel import PositionsPanel

    panel = PositionsPanel()
    qtbot.addWidget(panel)
    a, b, c = (make_position(symbol=s) for s in ("BTC/USDT", "ETH/USDT", "SOL/USDT"))
    panel.model.reset([a, b, c])
    seen: list[object] = []
    panel.selected.connect(seen.append)
    panel.view.select_id(b.id)
    b.close(price=D("51000"))
    panel.model.upsert(b)  # closed: stays in the "Open" view, dimmed, until a filter change
    assert panel.view.current_id() == b.id
    panel.symbol_filter.setText("/")  # the filter changes: now it leaves the view
    assert panel.view.current_id() is None and not panel.view.selectionModel().hasSelection()
    assert seen == [b.id, None]
    panel.view.select_id(c.id)  # an unrelated row leaving keeps the selection
    panel.model.remove(a.id)
    assert panel.view.current_id() == c.id and seen[-1] == c.id


def test_pnl_on_a_coin_quoted_market_is_shown_in_the_coins_decimals():
    """ETH/BTC's P&L is BTC: to the cent, 0.0012 BTC (about 100 USD) read +0.00."""
    model = make_positions_model()
    position = make_position(symbol="ETH/BTC", amount="1", entry="0.05", fees="0")
    position.update_price(D("0.0512"))
    model.upsert(position)
    cell = lambda key: model.index(0, model.column_index(key)).data(DISPLAY)  # noqa: E731
    assert cell("unrealized_pnl") == "+0.00120000"
    position.close(price=D("0.0512"), fees=D("0"), reason=ExitReason.MANUAL)
    model.upsert(position)
    assert cell("realized_pnl") == "+0.00120000"

"""Restart where you left: the selected position, its chart, the filters and the last 500 log
lines come back (real window, real engine, the same SQLite file and layout file)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QSettings

from moniqo_desktop.config import Settings
from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.ui.main_window import MainWindow
from moniqo_desktop.ui.notifier import Notifier

from window_harness import until_idle

D = Decimal


async def session(qtbot, tmp_path, scenario) -> None:
    """One run of the window on the same store and layout file; closing it saves its state."""
    exchange = DemoExchange(prices={"BTC/USDT": D("50000"), "ETH/USDT": D("3000")})
    engine = await Engine.open(tmp_path / "m.sqlite3", exchange)
    window = MainWindow(engine, Settings(),
                        qsettings=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat),
                        notifier=Notifier(enabled=False), duration_refresh_ms=0)
    qtbot.addWidget(window)
    window.show()
    try:
        await scenario(window, engine)
    finally:
        await until_idle()
        window.close()
        await engine.close()


def test_selection_chart_filters_and_log_come_back(qloop, qtbot, tmp_path):
    ids: dict[str, str] = {}

    async def first(window, engine):
        for symbol, amount in (("BTC/USDT", "0.1"), ("ETH/USDT", "1")):
            await engine.place_order(symbol=symbol, side="buy", type="market", amount=amount)
        await until_idle()
        ids.update({p.symbol: p.id for p in engine.positions()})
        # the trader picks the OLDER position (start-up would otherwise chart the newest)
        window.positions.view.select_id(ids["BTC/USDT"])
        assert window.chart.position.id == ids["BTC/USDT"]
        window.positions.set_filter("All")
        window.positions.symbol_filter.setText("btc")
        window.orders.open_only.setChecked(True)
        for i in range(600):
            window.log_panel.add(f"line {i}")

    async def second(window, engine):
        assert window.positions.view.current_id() == ids["BTC/USDT"]
        assert window.chart.position is not None and window.chart.position.id == ids["BTC/USDT"]
        assert not window.chart.is_empty()
        assert window.positions.status_filter.currentText() == "All"
        assert window.positions.symbol_filter.text() == "btc"
        assert window.orders.open_only.isChecked()
        texts = window.log_panel.texts()
        assert "line 599" in texts and "line 100" in texts and "line 99" not in texts
        assert texts.index("line 599") < len(texts) - 1  # this start's own lines come after

    qloop.run_until_complete(session(qtbot, tmp_path, first))
    qloop.run_until_complete(session(qtbot, tmp_path, second))


def test_a_restored_sort_orders_each_table_once_at_start(qloop, qtbot, tmp_path, monkeypatch):
    """The saved column order, sort and filters are applied before the rows arrive, so each
    table sorts its rows once at start, in the restored order (a start used to sort a
    thousand rows by the default column, then again by the restored one: #14, start-up)."""
    from PySide6.QtCore import Qt

    from moniqo_desktop.ui.models.monitor import MonitorModel

    sorts: list[tuple[int, int]] = []

    async def first(window, engine):
        for symbol, amount in (("BTC/USDT", "0.1"), ("ETH/USDT", "1")):
            await engine.place_order(symbol=symbol, side="buy", type="market", amount=amount)
        await until_idle()
        view = window.positions.view
        view.sortByColumn(window.positions.model.column_index("symbol"),
                          Qt.SortOrder.AscendingOrder)
        assert [p.symbol for p in window.positions.model.objects()] == ["BTC/USDT", "ETH/USDT"]

    async def second(window, engine):
        model = window.positions.model
        assert [p.symbol for p in model.objects()] == ["BTC/USDT", "ETH/USDT"]
        assert sorts.count((id(model), 2)) == 1, sorts

    qloop.run_until_complete(session(qtbot, tmp_path, first))
    order = MonitorModel._order

    def counted(self, rows):
        sorts.append((id(self), len(rows)))
        return order(self, rows)

    monkeypatch.setattr(MonitorModel, "_order", counted)
    qloop.run_until_complete(session(qtbot, tmp_path, second))

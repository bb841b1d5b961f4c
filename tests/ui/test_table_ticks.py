"""A price tick costs the table what changed, not the whole book (issue #14, event-loop lag).

The lag benchmark's profile (1 000 positions, 50 moving per tick) showed the Qt thread spending
a third of its time re-sorting the positions table: the "Held" column is refreshed every second
and every tick's row update re-ran the proxy's dynamic sort and filter, each comparison a call
into Python. These tests count work (rows re-filtered, re-sorts, layout changes), never time.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from moniqo_desktop.ui.models.monitor import SortRole
from moniqo_desktop.ui.widgets.positions_panel import PositionsPanel

from position_book import positions_book
from ui_factories import make_position

D = Decimal
ROWS = 300


def book(qtbot, sort_key: str = "unrealized_pnl"):
    panel, positions = positions_book(qtbot, ROWS)
    panel.view.sortByColumn(panel.model.column_index(sort_key), Qt.SortOrder.DescendingOrder)
    return panel, positions


def counting_filter(panel: PositionsPanel) -> list[str]:
    """Wrap the panel's filter so each row it judges is counted."""
    seen: list[str] = []
    accept = panel.view.proxy._predicate
    assert accept is not None

    def counted(obj):
        seen.append(obj.id)
        return accept(obj)

    panel.view.proxy._predicate = counted
    return seen


def layout_changes(panel: PositionsPanel) -> list[bool]:
    changes: list[bool] = []
    panel.view.proxy.layoutChanged.connect(lambda *_: changes.append(True))
    return changes


def shown_symbols(panel: PositionsPanel) -> list[str]:
    proxy = panel.view.proxy
    return [proxy.object_at(r).symbol for r in range(proxy.rowCount())]


def pnl_order_is_right(panel: PositionsPanel) -> bool:
    proxy = panel.view.proxy
    col = panel.model.column_index("unrealized_pnl")
    values = [proxy.index(r, col).data(SortRole) for r in range(proxy.rowCount())]
    return values == sorted(values, reverse=True)


def test_the_held_column_ticking_refilters_and_resorts_nothing(qtbot):
    panel, _ = book(qtbot)
    judged = counting_filter(panel)
    changes = layout_changes(panel)
    before = shown_symbols(panel)
    panel.model.refresh_column("held")  # what the one-second timer does
    qtbot.wait(50)
    assert judged == [] and changes == []
    assert shown_symbols(panel) == before


def test_a_tick_judges_only_the_rows_it_changed_and_resorts_once_per_burst(qtbot):
    panel, positions = book(qtbot)
    assert pnl_order_is_right(panel)
    judged = counting_filter(panel)
    changes = layout_changes(panel)
    moving = positions[::6]  # 50 symbols move in one tick, enough to change the order
    for p in moving:
        p.update_price(p.current_price * D("1.05"))
        panel.model.upsert(p)
    assert len(judged) <= len(moving)  # each changed row judged once at most, no full pass
    qtbot.waitUntil(lambda: pnl_order_is_right(panel), timeout=3000)
    assert len(changes) == 1  # one re-sort for the whole burst


def test_a_tick_that_changes_no_place_moves_no_row(qtbot):
    panel, positions = book(qtbot, sort_key="symbol")
    changes = layout_changes(panel)
    before = shown_symbols(panel)
    for p in positions[:50]:
        p.update_price(p.current_price * D("1.01"))
        panel.model.upsert(p)
    qtbot.wait(700)  # longer than any deferred re-sort
    assert changes == [] and shown_symbols(panel) == before


def test_a_closing_position_still_follows_the_filters(qtbot):
    """Filtering is no longer re-run on every change: a change that alters what a filter
    decides (open -> closed) must still show or hide the row."""
    panel, positions = book(qtbot)
    panel.set_filter("Closed")
    assert shown_symbols(panel) == []
    p = positions[10]
    p.close(price=p.current_price)
    panel.model.upsert(p)
    assert shown_symbols(panel) == [p.symbol]
    panel.set_filter("Open")
    assert p.symbol not in shown_symbols(panel)


def test_a_new_row_lands_in_its_sorted_place_at_once(qtbot):
    panel, _ = book(qtbot)
    top = make_position(symbol="NEW/USDT", entry="100")
    top.update_price(D("1000"))  # the largest open P&L of the book
    panel.model.upsert(top)
    assert shown_symbols(panel)[0] == "NEW/USDT"
    assert pnl_order_is_right(panel)


def test_a_tick_elsewhere_leaves_the_order_form_and_the_total_alone(run):
    """The window rebuilt the order form's holdings and re-summed every open P&L of the book
    on each position's update (O(n) per update, O(n^2) per tick). Now an update costs that
    position: the form hears it (re-checked only for its own symbol) and the total is kept
    per position."""
    from moniqo_desktop.domain import Position
    from moniqo_desktop.engine.events import PositionUpdated

    from window_harness import until_idle

    async def scenario(window, engine, exchange):
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
        await engine.place_order(symbol="ETH/USDT", side="buy", type="market", amount="1")
        await until_idle()
        window.entry.symbol.setCurrentText("BTC/USDT")
        assert window.entry.holding() is not None
        eth = next(p for p in engine.positions() if p.symbol == "ETH/USDT")
        checks: list[bool] = []
        window.entry._on_side_changed = lambda: checks.append(True)
        summed: list[str] = []
        pnl = Position.unrealized_pnl
        eth.update_price(D("3100"))
        engine.events.publish(PositionUpdated(eth))
        Position.unrealized_pnl = property(lambda p: (summed.append(p.id), pnl.fget(p))[1])
        try:  # the window's handling of the update, without painting in between
            window.flush_events()
            window._strip_refresh.flush()
        finally:
            Position.unrealized_pnl = pnl
        assert checks == []  # BTC's form: nothing to re-check
        assert window.entry._held["ETH/USDT"].current_price == D("3100")
        assert set(summed) <= {eth.id}  # the moved position only, never the whole book
        btc = next(p for p in engine.positions() if p.symbol == "BTC/USDT")
        total = btc.unrealized_pnl + eth.unrealized_pnl
        assert window.account.open_pnl.value.text().startswith(f"{total:+,.2f}")

    run(scenario)

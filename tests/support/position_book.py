"""A positions panel holding a book of open positions (a helper module, not a test).

The table tests that count work per tick (tests/ui/test_table_ticks.py) and per paint
(tests/ui/test_paint_cost.py) both need the same book: `rows` open longs on distinct symbols,
each priced a little away from its entry, so every row has its own P&L and sorts apart.
"""

from __future__ import annotations

from decimal import Decimal

from moniqo_desktop.domain import Position
from moniqo_desktop.ui.widgets.positions_panel import PositionsPanel


def book_positions(rows: int) -> list[Position]:
    """`C0000/USDT` … long 0.5 at 100 + i, priced at 100 + i + (i mod 7)."""
    positions = [Position(symbol=f"C{i:04d}/USDT", side="long", amount=Decimal("0.5"),
                          entry_price=Decimal(100 + i), entry_fees=Decimal("25"))
                 for i in range(rows)]
    for i, position in enumerate(positions):
        position.update_price(Decimal(100 + i) + Decimal(i % 7))
    return positions


def positions_book(qtbot, rows: int) -> tuple[PositionsPanel, list[Position]]:
    """A real `PositionsPanel` (owned by `qtbot`) showing `book_positions(rows)`."""
    panel = PositionsPanel()
    qtbot.addWidget(panel)
    positions = book_positions(rows)
    panel.model.reset(positions)
    return panel, positions

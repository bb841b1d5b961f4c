"""The `--headless` closing line: the realized P&L per quote currency (a BTC-quoted P&L added
to USDT ones is a number that means nothing), as the History footer totals it."""

from __future__ import annotations

from decimal import Decimal as D

from moniqo_desktop.domain import Position
from moniqo_desktop.headless import closing_line


def _position(symbol: str, realized: str, closed: bool) -> Position:
    return Position(symbol=symbol, side="long", amount=D("1"), entry_price=D("100"),
                    entry_fees=D("0"), realized_pnl=D(realized),
                    status="closed" if closed else "open")


def test_the_closing_line_totals_realized_pnl_per_quote_currency():
    line = closing_line([
        _position("BTC/USDT", "120.50", closed=True),
        _position("ETH/USDT", "-20.25", closed=True),
        _position("ETH/BTC", "0.25", closed=True),  # BTC to the satoshi, USDT to the cent
        _position("SOL/USDT", "5", closed=False),  # reduced, still open: booked its part
    ])
    assert line == "1 open, 3 closed; realized +0.25000000 BTC, +105.25 USDT", line


def test_the_closing_line_with_nothing_realized_names_no_currency():
    assert closing_line([]) == "0 open, 0 closed; nothing realized"
    assert closing_line([_position("BTC/USDT", "0", closed=False)]) == \
        "1 open, 0 closed; nothing realized"

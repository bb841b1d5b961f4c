"""The account strip: balances, equity, open P&L, connection state, last update.

One line across the top of the window, so the figures a trader checks every few seconds never
move and never need a click.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...engine.events import ConnectionState
from .. import theme
from ..formatting import fmt_amount, fmt_decimal, fmt_enum, fmt_time

STABLE = ("USDT", "USDC", "BUSD", "FDUSD", "DAI", "USD", "EUR", "TUSD")


def equity(balances: dict[str, tuple[Decimal, Decimal]], prices: dict[str, Decimal],
           quote: str) -> Decimal | None:
    """Total account value in `quote`: each currency's total at its last `X/quote` price.

    None when a held currency has no price yet (a guess would be worse than a blank).
    """
    total = Decimal(0)
    for currency, (_free, amount) in balances.items():
        if amount == 0:
            continue
        if currency == quote:
            total += amount
            continue
        price = prices.get(f"{currency}/{quote}")
        if price is None:
            return None
        total += amount * price
    return total


class _Figure(QWidget):
    """A small caption above a value."""

    def __init__(self, caption: str, name: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.caption = QLabel(caption.upper())
        self.caption.setObjectName("muted")
        self.value = QLabel("—")
        self.value.setObjectName("stripValue")
        self.value.setProperty("figure", name)
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)

    def set(self, text: str, colour: str | None = None) -> None:
        self.value.setText(text)
        self.value.setStyleSheet(f"color: {colour};" if colour else "")


class AccountStrip(QFrame):
    def __init__(self, quote: str = "USDT", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountStrip")
        self.quote = quote
        self.exchange = _Figure("Exchange", "exchange")
        self.balances = _Figure("Balances (free / total)", "balances")
        self.equity = _Figure(f"Equity ({quote})", "equity")
        self.open_pnl = _Figure("Open P&L", "open_pnl")
        self.open_count = _Figure("Open positions", "open_count")
        self.connection = _Figure("Connection", "connection")
        self.updated = _Figure("Last update", "updated")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setSpacing(28)
        for figure in (self.exchange, self.balances, self.equity, self.open_pnl,
                       self.open_count):
            layout.addWidget(figure)
        layout.addStretch(1)
        layout.addWidget(self.connection)
        layout.addWidget(self.updated)
        self._balances: dict[str, tuple[Decimal, Decimal]] = {}
        self._prices: dict[str, Decimal] = {}

    def set_exchange(self, name: str) -> None:
        self.exchange.set(name)

    def set_balances(self, balances: dict[str, tuple[Decimal, Decimal]],
                     at: datetime | None = None) -> None:
        self._balances = dict(balances)
        shown = []
        for currency in sorted(balances, key=lambda c: (c not in STABLE, c)):
            free, total = balances[currency]
            if total == 0:
                continue
            fmt = (lambda v: fmt_decimal(v, 2)) if currency in STABLE else fmt_amount
            shown.append(f"{fmt(free)} / {fmt(total)} {currency}" if free != total
                         else f"{fmt(total)} {currency}")
        self.balances.set("   ".join(shown[:4]) or "—")
        self.balances.setToolTip("\n".join(
            f"{c}: free {fmt_amount(f)}, total {fmt_amount(t)}" for c, (f, t) in balances.items()))
        self._refresh_equity()
        self.touch(at)

    def set_prices(self, prices: dict[str, Decimal], at: datetime | None = None) -> None:
        self._prices.update(prices)
        self._refresh_equity()
        self.touch(at)

    def _refresh_equity(self) -> None:
        value = equity(self._balances, self._prices, self.quote)
        self.equity.set("—" if value is None else fmt_decimal(value, 2))

    def set_open_pnl(self, pnl: Decimal, count: int) -> None:
        colour = theme.pnl_colour(pnl)
        self.open_pnl.set(fmt_decimal(pnl, 2, sign=True) + f" {self.quote}",
                          colour.name() if colour else None)
        self.open_count.set(str(count))

    def set_connection(self, state: ConnectionState | str, detail: str = "") -> None:
        colour = theme.badge_colour(state).name()
        self.connection.set(f"● {fmt_enum(state)}", colour)
        self.connection.setToolTip(detail)

    def touch(self, at: datetime | None = None) -> None:
        self.updated.set(fmt_time(at or datetime.now().astimezone()))

"""The account strip: balances, equity, open P&L, connection state, last update.

One line across the top of the window, so the figures a trader checks every few seconds never
move and never need a click.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from decimal import Decimal

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...domain.figures import CENT_CURRENCIES, fmt_money, fmt_money_by_quote
from ...engine.events import ConnectionState
from ...engine.venue_health import ALLOWANCE, VenueMode, age_text
from .. import theme
from ..formatting import fmt_amount, fmt_decimal, fmt_enum, fmt_time
from .elided_label import MIN_CHARS
from .fresh_tooltip import FreshTooltip

BALANCES_SHOWN = 4  # in the strip, stable coins first
TOOLTIP_HOLDINGS = 10  # in its tooltip, by value; then "… and N more"


def value_in_quote(currency: str, amount: Decimal, prices: dict[str, Decimal],
                   quote: str) -> Decimal | None:
    """What `amount` of `currency` is worth in `quote` at its last `X/quote` price (None: no
    price yet)."""
    if amount == 0:
        return Decimal(0)
    if currency == quote:
        return amount
    price = prices.get(f"{currency}/{quote}")
    return None if price is None else amount * price


def equity(balances: dict[str, tuple[Decimal, Decimal]], prices: dict[str, Decimal],
           quote: str) -> Decimal | None:
    """Total account value in `quote`: each currency's total at its last `X/quote` price.

    None when a held currency has no price yet (a guess would be worse than a blank).
    """
    return _total(value_in_quote(c, amount, prices, quote)
                  for c, (_free, amount) in balances.items())


def _total(values: Iterable[Decimal | None]) -> Decimal | None:
    total = Decimal(0)
    for value in values:
        if value is None:
            return None
        total += value
    return total


class _Shortening(QLabel):
    """A one-line label that, with `shortens` set, asks for a few characters' width at least
    and, given less than its text, paints it shortened with "…". A plain label's minimum is
    its whole text: the strip's figures then set the window's minimum width (1 063 px holding
    two coins), and a venue going silent ("⚠ stale" on three figures, "last answer 8 s ago")
    widened the window by itself. Its size hint is still the whole text, so a strip with room
    shows all of it. Only the long, variable figures shorten (balances, the venue's name, the
    connection's age): money figures and the mode badge are never cut."""

    shortens = False
    keep_until = ""
    """What the text before this separator says is never shortened ("● Degraded" of
    "● Degraded · last answer 8 s ago"): only what follows gives way."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        hint = super().minimumSizeHint()
        if not self.shortens:
            return hint
        metrics = self.fontMetrics()
        least = metrics.averageCharWidth() * MIN_CHARS
        text = self.text()
        if self.keep_until and self.keep_until in text:
            kept = text.split(self.keep_until, 1)[0] + "…"
            least = max(least, metrics.horizontalAdvance(kept) + 2 * self.margin() + 2)
        return QSize(min(hint.width(), least), hint.height())

    def shown_text(self) -> str:
        """The text as painted: shortened with "…" where there is no room for all of it."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             self.contentsRect().width())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        shown = self.shown_text()
        if shown == self.text():  # the label's own painting (and mouse selection)
            super().paintEvent(event)
            return
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), int(self.alignment()),
                                  self.palette(), self.isEnabled(), shown,
                                  self.foregroundRole())
        painter.end()


class _Value(_Shortening):
    """A figure's value, opaque: it paints its own background (the strip's colour), so a
    new value repaints this label only. A label is transparent by default, and each repaint
    of one repainted the strip, the window's central widget and the window behind it (the
    lag benchmark counted as many window paints as strip paints, ~70 a second)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        painter.fillRect(event.rect(), QColor(theme.current().panel))
        painter.end()
        super().paintEvent(event)


class _Figure(QWidget):
    """A small caption above a value."""

    def __init__(self, caption: str, name: str, shortens: bool = False) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.caption = _Shortening(caption.upper())
        self.caption.setObjectName("muted")
        self.value = _Value("—")
        self.caption.shortens = self.value.shortens = shortens
        self.value.setObjectName("stripValue")
        self.value.setProperty("figure", name)
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        self._colour: str | None = None

    def set(self, text: str, colour: str | None = None) -> None:
        """Only what changed: a style sheet set on a widget re-polishes it (and its layout)
        even when it is the same, and the strip is refreshed on every price tick."""
        if text != self.value.text():
            self.value.setText(text)
        self.recolour(colour)

    def recolour(self, colour: str | None) -> None:
        if colour != self._colour:
            self._colour = colour
            self.value.setStyleSheet(f"color: {colour};" if colour else "")


STALE = "⚠ stale"
CONNECTION_LABELS = {"disconnected": "Offline"}


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ModeBadge(QLabel):
    """PAPER / LIVE / TESTNET in a colour of its own (blue, red, amber), never confusable."""

    def __init__(self) -> None:
        super().__init__("")
        self.setObjectName("modeBadge")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.mode: VenueMode | None = None

    def set_mode(self, mode: VenueMode) -> None:
        self.mode = mode
        self.setText(mode.label)
        self.setProperty("mode", mode.value)
        self.setToolTip({
            VenueMode.PAPER: "Paper trading: simulated orders, no real money",
            VenueMode.LIVE: "LIVE: orders go to the real exchange with real money",
            VenueMode.TESTNET: "Testnet: the exchange's sandbox, no real money",
        }[mode])
        self.style().unpolish(self)
        self.style().polish(self)


class AccountStrip(QFrame):
    pricesStale = Signal(bool)  # the prices shown are (no longer) older than allowed

    def __init__(self, quote: str = "USDT", parent: QWidget | None = None,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        super().__init__(parent)
        self.setObjectName("accountStrip")
        self.quote = quote
        self.clock = clock
        self.badge = ModeBadge()
        self.exchange = _Figure("Exchange", "exchange", shortens=True)
        self.balances = _Figure("Balances (free / total)", "balances", shortens=True)
        FreshTooltip(self.balances, self.balances_note)  # written on hover, not per call
        self.equity = _Figure(f"Equity ({quote})", "equity")
        FreshTooltip(self.equity, self.equity_note)  # read on hover, never set per tick
        self.open_pnl = _Figure("Open P&L", "open_pnl")
        self.open_count = _Figure("Open positions", "open_count")
        self.connection = _Figure("Connection", "connection", shortens=True)
        self.connection.value.keep_until = " · "  # its age gives way, never its state
        self.updated = _Figure("Last update", "updated")
        # a window connected to a server engine (--connect) says which one, and how alive
        self.engine = _Figure("Engine", "engine", shortens=True)
        self.engine.hide()
        self._server: tuple[str, int, datetime, datetime | None] | None = None
        # what "answered" means, said the same in the badge and in every stale note: the
        # venue's last answer here, the server's last heartbeat in a window on a server
        self.answer_word = "last answer"
        self.venue = "the exchange"
        self.answered_by = ""  # "" = the venue (`self.venue`)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setSpacing(20)
        layout.addWidget(self.badge)
        # what the venue cannot do right now (no keys, no live prices): said, never hidden
        self.notice = QLabel("")
        self.notice.setObjectName("stripNotice")
        self.notice.setWordWrap(True)
        self.notice.setMaximumWidth(260)
        self.notice.hide()
        self._notices: dict[str, str] = {}
        for figure in (self.exchange, self.balances, self.equity, self.open_pnl,
                       self.open_count):
            layout.addWidget(figure)
        layout.addWidget(self.notice)
        layout.addStretch(1)
        layout.addWidget(self.engine)
        layout.addWidget(self.connection)
        layout.addWidget(self.updated)
        self._balances: dict[str, tuple[Decimal, Decimal]] = {}
        self._prices: dict[str, Decimal] = {}
        # currency -> its total's worth in the quote currency (None: no price yet); a tick
        # values again only the currencies whose price moved (a paper account of 1 000
        # positions holds 1 000 coins: valuing all of them on each tick cost ms per tick)
        self._worth: dict[str, Decimal | None] = {}
        self._balances_text = "—"
        self._equity_text = "—"
        self._state = ConnectionState.CONNECTING
        self._detail = ""
        self._last_answer: datetime | None = None
        self._prices_at: datetime | None = None
        self._open_pnl: tuple[str, str | None] = ("—", None)  # text, colour
        self.interval = 2.0
        self.stale = {"balances": False, "prices": False}
        self.stale_since: datetime | None = None
        """Set when the engine's last balance refresh failed: the time of the last good read."""
        self._ages = QTimer(self)  # the age in "last answer 12 s ago" keeps growing
        self._ages.timeout.connect(self.refresh_ages)
        self._ages.start(1000)

    def set_notice(self, key: str, text: str | None) -> None:
        """Show (or, with None, withdraw) a warning about what the venue cannot do."""
        if text:
            self._notices[key] = text
        else:
            self._notices.pop(key, None)
        short = {"keys": "⚠ No API keys: public data only", "feed": "⚠ No live prices"}
        lines = [short.get(k, f"⚠ {v}") for k, v in self._notices.items()
                 if not k.startswith("settings")]
        # a settings warning names the setting and its file: a sentence that, wrapped here,
        # made the strip five lines tall; the count here, the sentences in the tooltip and log
        ignored = sum(k.startswith("settings") for k in self._notices)
        if ignored:
            lines.append(f"⚠ {ignored} setting{'s' if ignored > 1 else ''} ignored (see the log)")
        self.notice.setText("\n".join(lines))
        self.notice.setToolTip("\n".join(self._notices.values()))
        self.notice.setStyleSheet(f"color: {theme.current().warn};")
        self.notice.setVisible(bool(self._notices))

    def set_exchange(self, name: str, mode: VenueMode | None = None) -> None:
        self.exchange.set(name)
        self.venue = name
        if mode is not None:
            self.badge.set_mode(mode)

    def set_server(self, host: str, pid: int, beat_at: datetime,
                   stopped_at: datetime | None = None) -> None:
        """The engine runs on a server: "server (host, pid 1234), last heartbeat 2 s ago"."""
        self._server = (host, pid, beat_at, stopped_at)
        self.answer_word = "last heartbeat"
        self.answered_by = "the server"
        self.engine.show()
        self.refresh_ages()

    def set_balances(self, balances: dict[str, tuple[Decimal, Decimal]],
                     at: datetime | None = None, stale_since: datetime | None = None) -> None:
        """Show the venue's balances; `stale_since` (the last good read) when the latest
        refresh failed, so old money is never shown as current."""
        self._balances = dict(balances)
        self.stale_since = stale_since
        # only the four shown are formatted, and the tooltip is written on hover: a paper
        # account of 1 000 positions holds 1 000 coins, and formatting every one (and a
        # tooltip line for each) took ~9-26 ms a call
        held = (c for c, (_free, total) in balances.items() if total != 0)
        shown = heapq.nsmallest(BALANCES_SHOWN, held, key=lambda c: (c not in CENT_CURRENCIES, c))
        self._balances_text = "   ".join(self._balance_text(c) for c in shown) or "—"
        self._worth = {c: value_in_quote(c, amount, self._prices, self.quote)
                       for c, (_free, amount) in balances.items()}
        self.balances.set(self._balances_text)
        self._refresh_equity()
        self.touch(at)
        self.refresh_ages()

    def _balance_text(self, currency: str) -> str:
        """"250.50 / 500.00 USDT" (free / total), or "0.5 BTC" when all of it is free."""
        free, total = self._balances[currency]
        fmt = (lambda v: fmt_decimal(v, 2)) if currency in CENT_CURRENCIES else fmt_amount
        return f"{fmt(free)} / {fmt(total)} {currency}" if free != total \
            else f"{fmt(total)} {currency}"

    def balances_note(self) -> str:
        """The balances' tooltip: the most valuable holdings, then how many more. A line for
        each of 1 000 coins was a tooltip taller than any screen, and read by nobody."""
        held = [c for c, (_free, total) in self._balances.items() if total != 0]

        def by_worth(currency: str) -> tuple[bool, Decimal, str]:
            worth = self._worth.get(currency)
            return worth is None, -(worth or Decimal(0)), currency

        lines = []
        for c in heapq.nsmallest(TOOLTIP_HOLDINGS, held, key=by_worth):
            free, total = self._balances[c]
            worth = self._worth.get(c)
            lines.append(f"{c}: free {fmt_amount(free)}, total {fmt_amount(total)}"
                         + (f" (≈ {fmt_decimal(worth, 2)} {self.quote})"
                            if worth is not None and c != self.quote else ""))
        if len(held) > len(lines):
            lines.append(f"… and {len(held) - len(lines)} more")
        return "\n".join(lines)

    def set_prices(self, prices: dict[str, Decimal], at: datetime | None = None) -> None:
        self._prices.update(prices)
        if prices:
            self._prices_at = at or self.clock()
        suffix = f"/{self.quote}"
        for symbol in prices:
            currency = symbol[:-len(suffix)] if symbol.endswith(suffix) else None
            if currency in self._balances:
                self._worth[currency] = value_in_quote(
                    currency, self._balances[currency][1], self._prices, self.quote)
        self._refresh_equity()
        self.touch(at)
        self.refresh_ages()

    def _refresh_equity(self) -> None:
        # no balance read at all (no keys, no answer yet) is not an account worth 0.00
        value = _total(self._worth.values()) if self._balances else None
        self._equity_text = "—" if value is None else fmt_decimal(value, 2)
        self.equity.set(self._equity_text)

    def set_open_pnl(self, pnl: Decimal, count: int,
                     others: Mapping[str, Decimal] | None = None) -> None:
        """`pnl` in the strip's quote currency; `others`: the totals of positions quoted in
        another currency (ETH/BTC's P&L is BTC), each shown on its own - they do not add up."""
        text = f"{fmt_money(pnl, currency=self.quote)} {self.quote}"
        if others:
            text += ", " + fmt_money_by_quote(others.items())
        colour = theme.pnl_colour(pnl if pnl or not others else next(iter(others.values())))
        self._open_pnl = (text, colour.name() if colour else None)
        self._show_open_pnl()
        self.open_count.set(str(count))

    def equity_note(self) -> str:
        """Why Equity shows "—": no partial sum (it would understate the account), so say
        which holding has no price yet ("" when it has a value)."""
        if not self._balances:
            return f"no balances read from {self.venue} yet"
        unpriced = [c for c, worth in self._worth.items() if worth is None]
        if not unpriced:
            return ""
        named = [f"{c}/{self.quote}" for c in heapq.nsmallest(TOOLTIP_HOLDINGS, unpriced)]
        more = f" and {len(unpriced) - len(named)} more" if len(unpriced) > len(named) else ""
        return (f"no {', '.join(named)}{more} price yet: equity is shown once every holding "
                "has a price")

    def _show_open_pnl(self) -> None:
        """Open P&L is worked out from the last prices: stale with them, and said so (a
        bright green "+19.00" from prices the venue stopped confirming looks current)."""
        text, colour = self._open_pnl
        if self.stale["prices"]:
            self.open_pnl.set(f"{text}  {STALE}", theme.current().muted)
        else:
            self.open_pnl.set(text, colour)
        self.open_pnl.value.setProperty("stale", self.stale["prices"])

    def set_connection(self, state: ConnectionState | str, detail: str = "",
                       last_answer: datetime | None = None) -> None:
        self._state = ConnectionState(getattr(state, "value", state))
        self._detail = detail
        if last_answer is not None:
            self._last_answer = last_answer
        self.refresh_ages()

    @property
    def connection_state(self) -> ConnectionState:
        """The state shown now."""
        return self._state

    def refresh_ages(self) -> None:
        """Redraw what depends on time: "last answer N s ago" and the stale markers.

        Balances are stale while the venue is not answering (nothing confirms them); prices
        are stale when none arrived within the allowed age either."""
        state = self._state
        now = self.clock()
        label = CONNECTION_LABELS.get(state.value, fmt_enum(state))
        text = f"● {label}"
        if state is not ConnectionState.CONNECTED and self._last_answer is not None:
            text += f" · {self.answer_word} {age_text((now - self._last_answer).total_seconds())}"
        self.connection.set(text, theme.badge_colour(state).name())
        self.connection.setToolTip(self._detail)
        if self._server is not None:
            host, pid, beat_at, stopped_at = self._server
            since = age_text((now - (stopped_at or beat_at)).total_seconds())
            self.engine.set(f"server ({host}, pid {pid}), "
                            + (f"stopped {since}" if stopped_at else f"last heartbeat {since}"),
                            None if state is ConnectionState.CONNECTED
                            else theme.badge_colour(state).name())
        silent = state in (ConnectionState.DEGRADED, ConnectionState.DISCONNECTED)
        limit = self.interval * ALLOWANCE
        prices_old = self._prices_at is None or (now - self._prices_at).total_seconds() > limit
        failed = self.stale_since is not None  # the engine's last balance read failed
        was = self.stale["prices"]
        self.stale = {"balances": (silent and bool(self._balances)) or failed,
                      "prices": silent and bool(self._prices) and prices_old}
        if self.stale["prices"] != was:
            self._show_open_pnl()
            self.pricesStale.emit(self.stale["prices"])
        muted = theme.current().muted
        mark = (f"  {STALE} since {fmt_time(self.stale_since)}" if failed
                else f"  {STALE}" if self.stale["balances"] else "")
        self.balances.set(self._balances_text + mark,
                          muted if self.stale["balances"] else None)
        self.balances.value.setProperty("stale", self.stale["balances"])
        equity_stale = self.stale["prices"] or self.stale["balances"]
        self.equity.set(self._equity_text + (f"  {STALE}" if equity_stale else ""),
                        muted if equity_stale else None)
        self.equity.value.setProperty("stale", equity_stale)
        if self.stale["prices"] and self._prices_at is not None:
            age = age_text((now - self._prices_at).total_seconds())
            self.updated.setToolTip(self.prices_note())
            self.updated.recolour(muted)

    def prices_note(self) -> str:
        """How old the prices are, and why: "price 12 s old: last answer from Binance 12 s
        ago" (in a window on a server: "last heartbeat from the server 12 s ago"). The one
        wording of a stale price wherever it shows (strip, table, order form); ages as of now."""
        now = self.clock()
        price = ("price of unknown age" if self._prices_at is None else "price "
                 + age_text((now - self._prices_at).total_seconds()).removesuffix(" ago")
                 + " old")
        source = self.answered_by or self.venue
        answer = (f"no {self.answer_word.removeprefix('last ')} from {source} yet"
                  if self._last_answer is None else f"{self.answer_word} from {source} "
                  + age_text((now - self._last_answer).total_seconds()))
        return f"{price}: {answer}"

    def touch(self, at: datetime | None = None) -> None:
        self.updated.set(fmt_time(at or datetime.now().astimezone()))
        self.updated.setToolTip("")

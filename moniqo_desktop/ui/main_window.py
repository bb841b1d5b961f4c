"""The main window: account strip, order entry, positions, chart, log and orders.

It is the only UI class that knows the engine. It subscribes to engine events and forwards each
one to the widget that shows it (one row upsert per event), and turns the trader's clicks into
engine coroutines scheduled on the qasync loop, so the Qt thread never waits on the network.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QMainWindow,
    QInputDialog,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..config import Settings
from ..domain import DomainError, Order, OrderIntent, OrderStatus, Position
from ..domain.money import parse_number
from ..engine.events import (
    AccountUpdated,
    ConnectionChanged,
    ConnectionState,
    EngineError,
    StoreFailed,
    StoreRecovered,
    ExitTriggered,
    FillReceived,
    OrderChanged,
    PositionClosed,
    PositionOpened,
    PositionUpdated,
    PricesUpdated,
    Progress,
    ServerHeartbeat,
    UserMessage,
)
from ..engine.venue_health import VenueMode
from . import theme
from . import formatting
from .formatting import fmt_amount, fmt_decimal, fmt_enum, fmt_price
from .notifier import Notifier, app_icon
from .order_ticket import OrderTicket
from .chart_history import ChartHistory
from .tasks import spawn
from .widgets.account_strip import AccountStrip
from .widgets.log_panel import LogPanel
from .widgets.order_entry import OrderEntry
from .widgets.orders_panel import OrdersPanel
from .widgets.position_chart import PositionChart
from .widgets.positions_panel import PositionsPanel
from .coalesce import Coalesced
from .running_total import TotalsByCurrency
from .event_pump import EventPump

log = logging.getLogger(__name__)

LOG_LINES_KEPT = 500  # the log panel's last lines come back after a restart
STRIP_MS = 250
"""How often the account strip shows new prices and open P&L (figures current within it)."""

MODE_WORDS = {VenueMode.PAPER: "paper trading", VenueMode.LIVE: "LIVE trading, real money",
              VenueMode.TESTNET: "testnet (sandbox)"}


def venue_mode_of(engine: Any) -> VenueMode:
    mode = getattr(engine, "venue_mode", None)
    return mode if isinstance(mode, VenueMode) else VenueMode.PAPER

SETTLING_EVENTS = (QEvent.Type.PolishRequest, QEvent.Type.LayoutRequest,
                   QEvent.Type.ChildAdded, QEvent.Type.ChildRemoved, QEvent.Type.ZOrderChange,
                   QEvent.Type.ApplicationPaletteChange, QEvent.Type.MetaCall,
                   QEvent.Type.UpdateLater, QEvent.Type.UpdateRequest)
"""What a window's build leaves queued and `MainWindow.setVisible` delivers before the first
paint (the main window layout's geometry for the central widget comes as a queued call)."""

QSETTINGS_ORG = "Moniqo"
QSETTINGS_APP = "moniqo-desktop"


def _titled(title: str, body: QWidget, name: str = "panel") -> QFrame:
    frame = QFrame()
    frame.setObjectName(name)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(6, 4, 6, 6)
    layout.setSpacing(4)
    if title:
        label = QLabel(title)
        label.setObjectName("panelTitle")
        layout.addWidget(label)
    layout.addWidget(body, 1)
    return frame


def _protection_summary(p: Position) -> str:
    parts = []
    if p.stop_loss is not None:
        parts.append(f"stop {fmt_price(p.stop_loss, p.symbol)}")
    if p.take_profit is not None:
        parts.append(f"target {fmt_price(p.take_profit, p.symbol)}")
    if p.trailing_stop_percent is not None:
        parts.append(f"trailing {p.trailing_stop_percent.normalize():f} %")
    return ", ".join(parts) or "none"


def _order_summary(order: Order) -> str:
    return _order_text(order.side, order.amount, order.symbol, order.type, order.price,
                       order.stop_price)


def _order_text(side: Any, amount: Decimal, symbol: str, kind: Any, price: Decimal | None,
                stop_price: Decimal | None) -> str:
    """`BUY 0.01 BTC/USDT limit @ 48,500.00, trigger 48,000.00`: an order as the tables spell
    its figures, whether it is sent already or only typed (the confirmation echoes what the
    trader typed, "0.010" and "48500", and must read as the orders table will)."""
    side = str(getattr(side, "value", side))
    kind = str(getattr(kind, "value", kind))
    at = f" @ {fmt_price(price, symbol)}" if price is not None else ""
    return (f"{side.upper()} {fmt_amount(amount)} {symbol} {kind.replace('_', ' ')}{at}"
            + _trigger(None if stop_price is None else fmt_price(stop_price, symbol)))


def _trigger(stop_price: str | None) -> str:
    """A stop order's trigger, the figure to check before and after sending it."""
    return f", trigger {stop_price}" if stop_price else ""


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _connected_line(engine: Any, orders: int, positions: int) -> str:
    """The log's first line says what the window is connected to: the venue itself, or (a
    window on `--connect`) the server engine that holds the venue, which it must not pass off
    as its own "Connected to Paper exchange"."""
    held = f"{_count(orders, 'order')}, {_count(positions, 'position')}"
    server = getattr(engine, "server", None)
    if server is None:
        if getattr(engine, "connection_state", None) is not ConnectionState.CONNECTED:
            # the strip says Offline: the log must not open with "Connected" (no network)
            return f"Not connected to {engine.exchange_name} yet (no answer): {held}"
        return f"Connected to {engine.exchange_name}: {held}"
    return (f"Connected to the server engine on {server.host} (pid {server.pid}), account "
            f"{engine.account}: it trades on {engine.exchange_name}; {held}")


class MainWindow(QMainWindow):
    """`MainWindow(engine, settings)`; call `show()`. The engine must already be open."""

    settingsChanged = Signal(object)  # the new config.Settings (saved if settings_path given)

    def __init__(
        self,
        engine: Any,
        settings: Settings | None = None,
        *,
        settings_file: Path | None = None,
        qsettings: QSettings | None = None,
        notifier: Notifier | None = None,
        duration_refresh_ms: int = 1000,
    ) -> None:
        settings = settings or Settings()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            # The theme's palette before the window exists, the stylesheet once it is built
            # (`theme.apply_palette`). Set on an existing window, the palette change reaches it
            # as a posted event after its first paint, and every widget takes the palette
            # again, is re-polished, laid out and painted twice more (#14 start-up).
            theme.apply_palette(app, settings.theme)
        super().__init__()
        self._settled = False  # see `setVisible`
        self.engine = engine
        self.settings = settings
        self.settings_path = settings_file
        self.qsettings = qsettings or QSettings(QSETTINGS_ORG, QSETTINGS_APP)
        # the strip's price-driven figures (equity, open P&L, last update) at most every
        # STRIP_MS: prices tick 20 times a second and each strip repaint repainted the window
        # behind it (~80 paints a second in the lag benchmark, for figures no one reads
        # faster than a few times a second)
        self._strip_refresh = Coalesced(self._refresh_strip, self, interval_ms=STRIP_MS)
        self._strip_prices: dict[str, Decimal] = {}
        self._strip_prices_at: Any = None
        # open position id -> its unrealized P&L: an update changes one entry and moves the
        # strip's total by its difference, never a pass over every position's P&L
        self._open_pnl = TotalsByCurrency()
        # the order the form's message speaks of, and the line it shows (see _form_follows)
        self._form_order: tuple[str, str] | None = None
        self.setObjectName("mainWindow")
        self.mode = venue_mode_of(engine)
        self.setWindowTitle(f"Moniqo Desktop — {engine.exchange_name} · {self.mode.label}")
        self.setWindowIcon(app_icon())
        self._order_status: dict[str, OrderStatus] = {}
        self._unsubscribe: list[Callable[[], None]] = []

        self._build()
        self._build_menus()
        self._build_shortcuts()
        self.notifier = notifier if notifier is not None else Notifier(self)
        self._restore_layout()
        self._load_initial_state()
        self._subscribe()
        self._restore_state()
        if isinstance(app, QApplication):
            theme.apply_stylesheet(app)

        self._held_timer = QTimer(self)
        self._held_timer.timeout.connect(lambda: self.positions.model.refresh_column("held"))
        if duration_refresh_ms > 0:
            self._held_timer.start(duration_refresh_ms)

    def setVisible(self, visible: bool) -> None:  # noqa: N802 (Qt's name; `show()` calls it)
        """Shown the first time, the window settles before its first paint.

        Building it left events queued: each widget's polish request, layout requests, the
        central widget's geometry from the main window's layout, a palette change. The first
        paint used to come before them (the platform's expose is handled first), so it showed
        stale geometry, and then the window was laid out and painted twice more - three
        paints of every widget before a start was idle (#14). Delivered here, they come before
        the one paint that counts."""
        super().setVisible(visible)
        if visible and not self._settled:
            self._settled = True
            for kind in SETTLING_EVENTS:  # never a deferred delete: those wait for the loop
                QCoreApplication.sendPostedEvents(None, kind)

    # -- construction -----------------------------------------------------------------------
    def _build(self) -> None:
        self.account = AccountStrip()
        self.entry = OrderEntry()
        self.positions = PositionsPanel()
        self.account.pricesStale.connect(self._on_prices_stale)
        self.orders = OrdersPanel()
        self.chart = PositionChart()
        self.chart.throttle_redraws = True  # live samples drawn at most 5 times a second
        self.chart_history = ChartHistory(self.engine, self.chart)
        self.log_panel = LogPanel()

        entry_scroll = QScrollArea()
        entry_scroll.setWidget(self.entry)
        entry_scroll.setWidgetResizable(True)
        entry_scroll.setFrameShape(QFrame.Shape.NoFrame)
        entry_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        entry_scroll.setMinimumWidth(270)
        entry_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a Tab stop where keys do nothing

        self.middle_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.middle_splitter.setObjectName("middleSplitter")
        self.middle_splitter.addWidget(_titled("", self.chart))
        self.middle_splitter.addWidget(_titled("LOG", self.log_panel))
        self.log_panel.setMinimumWidth(200)  # a narrow window shrinks the chart, not the log
        self.middle_splitter.setStretchFactor(0, 3)
        self.middle_splitter.setStretchFactor(1, 2)

        self.right_splitter = QSplitter(Qt.Orientation.Vertical)
        self.right_splitter.setObjectName("rightSplitter")
        self.right_splitter.addWidget(self.positions)
        self.right_splitter.addWidget(self.middle_splitter)
        self.right_splitter.addWidget(self.orders)
        self.right_splitter.setStretchFactor(0, 3)
        self.right_splitter.setStretchFactor(1, 4)
        self.right_splitter.setStretchFactor(2, 3)

        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(entry_scroll)
        self.main_splitter.addWidget(self.right_splitter)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([290, 1100])
        for splitter in (self.main_splitter, self.right_splitter, self.middle_splitter):
            splitter.setChildrenCollapsible(False)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(6)
        layout.addWidget(self.account)
        # A store failure is not an order failure: the banner says the records are not on disk.
        self.store_banner = QLabel()
        self.store_banner.setObjectName("storeBanner")
        self.store_banner.setWordWrap(True)
        self.store_banner.setStyleSheet(
            "QLabel#storeBanner { background: #8b1a1a; color: white; font-weight: bold;"
            " padding: 6px 10px; border-radius: 3px; }")
        self.store_banner.hide()
        layout.addWidget(self.store_banner)
        layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)
        self.resize(1440, 900)
        self.right_splitter.setSizes([240, 370, 260])
        self.middle_splitter.setSizes([720, 380])

        self.entry.submitted.connect(self.place_order)
        self.entry.symbol.currentTextChanged.connect(self._watch_symbol)
        self.positions.closeRequested.connect(self.request_close_position)
        self.positions.partialCloseRequested.connect(self.request_partial_close)
        self.positions.editProtectionRequested.connect(self.edit_protection)
        self.positions.selected.connect(self._on_position_selected)
        self.chart.protectionRequested.connect(self.change_protection_from_chart)
        self.chart.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.chart.confirm_changes = self.settings.chart_confirm_changes
        self.chart.candlesWanted.connect(self._fetch_candles)
        self.orders.cancelRequested.connect(self.request_cancel_order)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        settings = QAction("&Settings…", self)
        settings.setShortcut(QKeySequence("Ctrl+,"))
        settings.triggered.connect(self.open_settings)
        file_menu.addAction(settings)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = bar.addMenu("&View")
        history = QAction("&History…", self)
        history.setObjectName("historyAction")
        history.setShortcut(QKeySequence("Ctrl+H"))
        history.triggered.connect(self.open_history)
        view_menu.addAction(history)
        view_menu.addSeparator()
        self.addAction(history)
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for name in ("dark", "light"):
            action = QAction(f"{name.capitalize()} theme", self, checkable=True)
            action.setChecked(self.settings.theme == name)
            action.triggered.connect(lambda _c=False, n=name: self.set_theme(n))
            group.addAction(action)
            view_menu.addAction(action)
            self.theme_actions[name] = action

        trade_menu = bar.addMenu("&Trade")
        new_order = QAction("&New order", self)
        new_order.setShortcut(QKeySequence("Ctrl+N"))
        new_order.triggered.connect(self.entry.focus_amount)
        trade_menu.addAction(new_order)
        close_selected = QAction("&Close position / cancel order", self)
        close_selected.setShortcut(QKeySequence("Ctrl+W"))
        close_selected.triggered.connect(self.close_or_cancel_selected)
        trade_menu.addAction(close_selected)
        edit = QAction("&Edit protection…", self)
        edit.setShortcut(QKeySequence("Ctrl+E"))
        edit.triggered.connect(self._edit_selected)
        trade_menu.addAction(edit)
        self.addActions([settings, quit_action, new_order, close_selected, edit])

    def _build_shortcuts(self) -> None:
        # Del only where a row is selected: a window-wide Del would steal it from text fields.
        for view in (self.positions.view, self.orders.view):
            shortcut = QShortcut(QKeySequence(Qt.Key.Key_Delete), view)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.close_or_cancel_selected)

    # -- initial state and events -----------------------------------------------------------
    def _load_initial_state(self) -> None:
        engine = self.engine
        self.account.set_exchange(engine.exchange_name, self.mode)
        self.account.interval = float(getattr(engine, "poll_interval", 2.0))
        paper_fee = getattr(engine, "fee_rate", None) or getattr(  # a server's paper venue
            getattr(engine, "exchange", None), "fee_rate", None)
        self.entry.fee_rate = (paper_fee if isinstance(paper_fee, Decimal)
                               and self.mode is VenueMode.PAPER else Decimal("0.001"))
        markets = engine.markets()
        formatting.set_markets(markets)  # every price of a symbol shows its market's decimals
        self.entry.set_markets(markets)
        self.chart.markets = markets  # the tick a dragged level snaps to
        # the form's first symbol is set with signals blocked: watch it by hand, or it has no
        # last price (no cost estimate, no % sizing) until the trader picks another symbol
        self._watch_symbol(self.entry.symbol.currentText())
        prices = engine.last_prices()
        self.entry.set_prices(prices)
        self.account.set_prices(prices)
        balances = engine.balances()
        self.entry.set_balances(balances)
        self.account.set_balances(balances)
        server = getattr(engine, "server", None)  # a window on a server engine (--connect)
        if server is not None:
            self._on_server_heartbeat(ServerHeartbeat(server.host, server.pid, server.beat_at,
                                                      server.stopped_at))
        self.account.set_connection(engine.connection_state,
                                    last_answer=getattr(engine, "last_answer_at", None))
        # "Connected ... again" only after the venue has answered once (a start offline: no)
        self._answered = engine.connection_state is ConnectionState.CONNECTED
        orders = engine.orders()
        self.orders.model.reset(orders)
        self._order_status = {o.id: o.status for o in orders}
        positions = engine.positions()
        self.positions.model.reset(positions)
        self._held_changed()
        for position in positions:  # the strip's total: one refresh below, not one each
            if position.is_open:
                self._open_pnl.set(position.id, position.quote, position.unrealized_pnl)
        # the first figures at once, not after STRIP_MS; with none open too: "0", not "—"
        self._strip_refresh.request()
        self._strip_refresh.flush()
        self.log_panel.add(_connected_line(engine, len(orders),
                                           len(self.positions.model.objects())))
        self.statusBar().showMessage(f"{engine.exchange_name} · {MODE_WORDS[self.mode]}")

    def _subscribe(self) -> None:
        """One subscription: the pump queues frozen snapshots and delivers them on a later
        turn of the event loop, never inside the engine's own call stack."""
        handlers: list[tuple[Callable[[Any], None], type]] = [
            (self._on_order_changed, OrderChanged),
            (self._on_fill, FillReceived),
            (self._on_position_opened, PositionOpened),
            (self._on_position_updated, PositionUpdated),
            (self._on_position_closed, PositionClosed),
            (self._on_exit_triggered, ExitTriggered),
            (self._on_prices, PricesUpdated),
            (self._on_account, AccountUpdated),
            (self._on_connection, ConnectionChanged),
            (self._on_engine_error, EngineError),
            (self._on_store_failed, StoreFailed),
            (self._on_store_recovered, StoreRecovered),
            (self._on_user_message, UserMessage),
            (self._on_progress, Progress),
            (self._on_server_heartbeat, ServerHeartbeat),
        ]
        self._routes: dict[type, Callable[[Any], None]] = {t: h for h, t in handlers}
        self.events = EventPump(self._route, self)
        self._unsubscribe.append(self.engine.events.subscribe(
            self.events.receive, *self._routes))

    def _route(self, event: Any) -> None:
        handler = self._routes.get(type(event))
        if handler is not None:
            handler(event)

    def flush_events(self) -> None:
        """Deliver queued engine events now and show them (tests, screenshots)."""
        self.events.flush()
        self._strip_refresh.flush()

    def unsubscribe(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    # Fills, rejections, exits and closes arrive as UserMessage too (engine-worded, also sent
    # to the tray); the handlers below log only what no UserMessage covers, so the log has
    # one line per happening.
    QUIET_STATUSES = frozenset({OrderStatus.PENDING, OrderStatus.SUBMITTED,
                                OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED,
                                OrderStatus.REJECTED, OrderStatus.FAILED})

    def _on_order_changed(self, event: OrderChanged) -> None:
        order = event.order
        self.orders.model.upsert(order)
        self.chart.order_changed(order)
        self._form_follows(order)
        previous = self._order_status.get(order.id)
        if previous is not order.status:
            self._order_status[order.id] = order.status
            if order.status not in self.QUIET_STATUSES:
                reason = order.history[-1].reason if order.history else ""
                self.log_panel.add(f"{_order_summary(order)}: {fmt_enum(order.status).lower()}"
                                   + (f" ({reason})" if reason else ""))

    def _on_fill(self, event: FillReceived) -> None:
        self.orders.model.upsert(event.order)
        self.chart.order_changed(event.order)
        self._form_follows(event.order)

    def _form_follows(self, order: Order) -> None:
        """The form's "BUY 0.1 BTC/USDT market — pending" is the status when place_order
        answered; an order that fills later (a store that refused the fill, a resting limit)
        must not stay "pending" there while the orders table says Filled. Only while the form
        still shows that order's line: anything the trader did since (Esc, a new error) stays."""
        if self._form_order is None or self._form_order[0] != order.id:
            return
        if self.entry.message.text() != self._form_order[1] or not self.entry.message.isVisible():
            self._form_order = None
            return
        self._announce_in_form(order)

    def _announce_in_form(self, order: Order) -> None:
        line = f"{_order_summary(order)} — {fmt_enum(order.status).lower()}"
        if order.status in (OrderStatus.REJECTED, OrderStatus.FAILED):
            reason = order.history[-1].reason if order.history else ""
            self.entry.show_error(line + (f": {reason}" if reason else ""))
            self._form_order = None
            return
        self.entry.show_info(line)
        self._form_order = (order.id, line)

    def _held_changed(self) -> None:
        self.entry.set_positions([p for p in self.positions.model.objects() if p.is_open])

    def _position_changed(self, position: Position) -> None:
        """What one position's event changes besides its row: the form's holdings, the total."""
        self.entry.position_changed(position)
        self._pnl_changed(position)

    def _pnl_changed(self, position: Position) -> None:
        if position.is_open:
            self._open_pnl.set(position.id, position.quote, position.unrealized_pnl)
        else:
            self._open_pnl.discard(position.id)
        self._refresh_open_pnl()

    def _on_position_opened(self, event: PositionOpened) -> None:
        p = event.position
        self.positions.model.upsert(p)
        self._position_changed(p)
        self.log_panel.add(f"Position opened: {p.side.value} {fmt_amount(p.amount)} {p.symbol} "
                           f"@ {fmt_price(p.entry_price, p.symbol)}", "success")
        if self.positions.view.current_id() is None:
            self.positions.view.select_id(p.id)

    def _on_position_updated(self, event: PositionUpdated) -> None:
        self.positions.model.upsert(event.position)
        self._position_changed(event.position)
        self.chart.update_position(event.position)

    def _on_position_closed(self, event: PositionClosed) -> None:
        self.positions.model.upsert(event.position)
        self._position_changed(event.position)
        self.chart.update_position(event.position)

    def _on_exit_triggered(self, event: ExitTriggered) -> None:
        self.positions.model.upsert(event.position)

    def _on_prices(self, event: PricesUpdated) -> None:
        self.entry.set_prices(event.prices)
        self._strip_prices.update(event.prices)
        self._strip_prices_at = event.at
        self._strip_refresh.request()

    def _on_account(self, event: AccountUpdated) -> None:
        self.entry.set_balances(event.balances)
        self.account.set_balances(event.balances, event.at,
                                  stale_since=event.as_of if event.stale else None)

    def _on_connection(self, event: ConnectionChanged) -> None:
        was = self.account.connection_state
        self.account.set_connection(event.state, event.detail, event.last_answer)
        if event.state.value == "connected":  # not "Connection connected"
            again = " again" if self._answered and was.value in ("degraded", "disconnected") \
                else ""
            self._answered = True
            self.log_panel.add(f"Connected to {self.engine.exchange_name}{again}", "info")
            return
        self.log_panel.add(f"Connection {event.state.value}"
                           + (f": {event.detail}" if event.detail else ""), "warning")

    def _on_prices_stale(self, stale: bool) -> None:
        """Where prices show (the form's "Last", the table's live cells: one flag for the
        whole table, never per row), marked with the strip's one wording of how old."""
        note = self.account.prices_note if stale else None
        self.entry.set_prices_stale(note)
        self.positions.model.set_stale(note)

    def _on_server_heartbeat(self, event: ServerHeartbeat) -> None:
        self.account.set_server(event.host, event.pid, event.beat_at, event.stopped_at)

    def _on_engine_error(self, event: EngineError) -> None:
        self.log_panel.add(event.message + (f" — {event.detail}" if event.detail else ""),
                           "error")
        self.statusBar().showMessage(event.message, 10000)

    def _on_store_failed(self, event: StoreFailed) -> None:
        text = event.message + (f" — {event.detail}" if event.detail else "")
        self.store_banner.setText(f"Database problem: {text}. Free disk space or fix the data "
                                  "folder; the app keeps trading and books the rest once it "
                                  "can write again.")
        self.store_banner.show()
        self.log_panel.add(text, "error")
        log.error("store failure: %s", text)

    def _on_store_recovered(self, event: StoreRecovered) -> None:
        """The engine wrote a whole pass again: the emergency is over, the log keeps it."""
        self.store_banner.hide()
        self.log_panel.add(event.message[:1].upper() + event.message[1:], "info")
        log.info("store recovered: %s", event.message)

    def _on_user_message(self, event: UserMessage) -> None:
        level = getattr(event.level, "value", str(event.level))
        shown = "success" if event.title.startswith(("Order filled", "Position closed")) else level
        self.log_panel.add(f"{event.title}: {event.text}", shown)
        self.notifier.notify(event.title, event.text, level)

    def _on_progress(self, event: Progress) -> None:
        if event.done >= event.total:
            self.statusBar().showMessage(f"{event.task}", 4000)
        else:
            self.statusBar().showMessage(f"{event.task}… ({event.done}/{event.total})")

    def _refresh_open_pnl(self) -> None:
        self._strip_refresh.request()

    def _refresh_strip(self) -> None:
        """The prices and open P&L gathered since the last refresh, in one strip update."""
        if self._strip_prices:
            prices, self._strip_prices = self._strip_prices, {}
            self.account.set_prices(prices, self._strip_prices_at)
        totals = self._open_pnl.totals()
        here = totals.pop(self.account.quote, Decimal(0))
        self.account.set_open_pnl(here, len(self._open_pnl), totals)

    def _watch_symbol(self, symbol: str) -> None:
        watch = getattr(self.engine, "watch", None)
        if symbol and callable(watch):
            watch(symbol)
        note = getattr(self.engine, "stop_note", None)
        if symbol and callable(note):
            self.entry.set_stop_note(note(symbol))

    def show_notice(self, text: str, key: str = "keys") -> None:
        """Something the venue cannot do in this session (e.g. no keyring: public data only)."""
        self.log_panel.add(text, "warning")
        self.account.set_notice(key, text)

    def feed_status(self, ok: bool, why: str = "") -> None:
        """The paper exchange's price feed stopped or resumed delivering prices."""
        if ok:
            self.log_panel.add("Prices are arriving again", "info")
            self.account.set_notice("feed", None)
        else:
            self.log_panel.add(f"No prices from the price feed: {why}", "warning")
            self.account.set_notice("feed", f"no prices from the price feed: {why}")

    # -- selection and chart ----------------------------------------------------------------
    def _on_position_selected(self, position_id: str | None) -> None:
        position = self.positions.model.get(position_id) if position_id else None
        if position is None:
            # The row left the table (it closed under "Open", or a filter hides it): the chart
            # keeps the position the trader chose, with its final state, until they pick
            # another one. It clears only when that position is gone altogether.
            charted = self.chart.position
            if charted is None or self.positions.model.get(charted.id) is None:
                self.chart_history.cancel()
                self.chart.clear()
            return
        # the newest page now, the older ones with the loop free between reads
        self.chart_history.show(position)
        self.chart.set_orders(self.engine.orders())  # ▲/▼ fill markers, exits with their audit

    # -- user actions -----------------------------------------------------------------------
    def place_order(self, ticket: OrderTicket) -> None:
        if self.settings.confirm_orders and not self._confirm(ticket):
            return
        self.entry.set_busy(True)
        spawn(self.engine.place_order(**ticket.kwargs()),
              on_result=self._order_placed,
              on_error=lambda exc: self._action_failed("Order not placed", exc, self.entry),
              on_finally=lambda: self.entry.set_busy(False))

    def _confirm(self, ticket: OrderTicket) -> bool:
        """The optional pause before sending (setting "confirm orders")."""
        k = ticket.kwargs()
        text = (_order_text(k["side"], k["amount"], k["symbol"], k["type"], k.get("price"),
                            k.get("stop_price"))
                + f" on {self.engine.exchange_name} ({self.mode.label})?")
        answer = QMessageBox.question(
            self, "Place order", text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes)
        return answer == QMessageBox.StandardButton.Yes

    def _order_placed(self, order: Order) -> None:
        self.orders.model.upsert(order)
        if order.status is OrderStatus.REJECTED:
            reason = order.history[-1].reason if order.history else "no reason given"
            self.entry.show_error(f"Rejected by the exchange: {reason}")
            return
        self.entry.order_accepted()
        self._announce_in_form(order)

    def _action_failed(self, what: str, exc: BaseException, entry: OrderEntry | None = None
                       ) -> None:
        text = f"{what}: {exc}"
        if entry is not None:
            entry.show_error(str(exc))
        self.log_panel.add(text, "error")
        self.statusBar().showMessage(text, 10000)
        log.warning(text)

    def request_close_position(self, position_id: str) -> None:
        position: Position | None = self.positions.model.get(position_id)
        if position is None or not position.is_open:
            return
        pnl = fmt_decimal(position.unrealized_pnl, 2, sign=True)
        # the engine takes back our working orders on the symbol before it exits (an entry
        # must not grow the position while it sells): the question says which
        working = [_order_summary(o) for o in self.orders.model.objects()
                   if o.symbol == position.symbol and o.is_open()
                   and o.status is not OrderStatus.CANCELLING
                   and o.intent is not OrderIntent.PROTECT and o.id != position.exit_order_id]
        also = (f"\n\nIt also cancels your open {'order' if len(working) == 1 else 'orders'} "
                f"on {position.symbol}: {'; '.join(working)}.") if working else ""
        answer = QMessageBox.question(
            self, "Close position",
            f"Close {position.side.value} {fmt_amount(position.amount)} {position.symbol} "
            f"at market?\n\nOpen P&L now: {pnl} {position.quote}{also}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.log_panel.add(f"Closing {position.symbol} {position.side.value} by hand…")
        spawn(self.engine.close_position(position_id),
              on_error=lambda exc: self._action_failed("Close failed", exc))

    def request_partial_close(self, position_id: str, fraction: Decimal | None) -> None:
        """Close 25/50/75 % (confirmed) or an exact amount (typed) of a position."""
        position: Position | None = self.positions.model.get(position_id)
        if position is None or not position.is_open:
            return
        held = f"{fmt_amount(position.amount)} {position.base}"
        if fraction is None:
            text, ok = QInputDialog.getText(
                self, "Close part of the position",
                f"You hold {held} ({position.symbol} {position.side.value}).\n"
                f"Amount of {position.base} to close at market:")
            if not ok or not text.strip():
                return
            try:
                amount = parse_number(text, "amount to close")
            except DomainError as exc:
                self._action_failed("Close failed", exc)
                return
        else:
            market = self.engine.markets().get(position.symbol)
            raw = position.amount * fraction
            amount = market.round_amount(raw) if market is not None else raw
            answer = QMessageBox.question(
                self, "Close part of the position",
                f"Close {int(fraction * 100)} % ({fmt_amount(amount)} of {held}) of "
                f"{position.symbol} {position.side.value} at market?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.log_panel.add(f"Closing {fmt_amount(amount)} of {position.symbol} "
                           f"{position.side.value} by hand…")
        spawn(self.engine.close_position(position_id, amount=amount),
              on_error=lambda exc: self._action_failed("Close failed", exc))

    def request_cancel_order(self, order_id: str) -> None:
        order: Order | None = self.orders.model.get(order_id)
        if order is None or not order.is_open():
            return
        spawn(self.engine.cancel_order(order_id),
              on_error=lambda exc: self._action_failed("Cancel failed", exc))

    def edit_protection(self, position_id: str) -> None:
        position = self.positions.model.get(position_id)
        if position is None or not position.is_open:
            return
        from .dialogs.protection_dialog import ProtectionDialog  # a start shows no dialog

        dialog = ProtectionDialog(position, self)
        if dialog.exec() != ProtectionDialog.DialogCode.Accepted:
            return
        spawn(self.engine.update_protection(position_id, **dialog.values()),
              on_result=lambda p: self.log_panel.add(f"Protection updated for {p.symbol}"),
              on_error=lambda exc: self._action_failed("Protection not changed", exc))

    def _fetch_candles(self, symbol: str, timeframe: str, since: Any) -> None:
        candles = getattr(self.engine, "candles", None)
        if callable(candles):
            spawn(candles(symbol, timeframe, since),
                  on_result=lambda c: self.chart.set_candles(symbol, timeframe, c),
                  on_error=lambda exc: log.info("no candles for %s: %s", symbol, exc))

    def change_protection_from_chart(self, position_id: str, kwargs: dict) -> None:
        """A level dragged (or keyed, or set from the menu) on the chart and confirmed."""
        def done(position: Position) -> None:
            self.log_panel.add(f"Protection of {position.symbol} changed on the chart: "
                               f"{_protection_summary(position)}")
            self.chart.update_position(position)

        def failed(exc: BaseException) -> None:
            self.chart.change_failed(f"Protection not changed: {exc}")
            self._action_failed("Protection not changed", exc)

        spawn(self.engine.update_protection(position_id, **kwargs), on_result=done,
              on_error=failed)

    def _edit_selected(self) -> None:
        position_id = self.positions.view.current_id()
        if position_id:
            self.edit_protection(position_id)

    def close_or_cancel_selected(self) -> None:
        """Ctrl+W / Del: act on the table that has focus (orders → cancel, positions → close).

        Anywhere else (the order form, the chart, the log) it closes nothing: the selected
        row is then not what the trader is looking at, and the Close dialog is one Enter from
        closing it. The status bar says where the keys work instead."""
        if self.orders.view.hasFocus():
            order_id = self.orders.view.current_id()
            if order_id:
                self.request_cancel_order(order_id)
            return
        if not self.positions.view.hasFocus():
            self.statusBar().showMessage(
                "Ctrl+W / Del close the selected position or cancel the selected order: "
                "select it in the positions or orders table first", 8000)
            return
        position_id = self.positions.view.current_id()
        if position_id:
            self.request_close_position(position_id)

    def open_history(self) -> "HistoryDialog":
        """Closed positions with realized P&L, fees, reason, time held; CSV export."""
        from .dialogs.history_dialog import HistoryDialog

        dialog = HistoryDialog(self.engine, self)
        dialog.setModal(False)
        dialog.show()
        self.history_dialog = dialog
        return dialog

    # -- settings and theme -----------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, name)
        self.settings.theme = name
        self.theme_actions[name].setChecked(True)
        self.positions.model.refresh_all()
        self.orders.model.refresh_all()
        self.chart.apply_theme()
        self.log_panel.apply_theme()
        self._refresh_open_pnl()
        self.account.set_connection(self.engine.connection_state)
        self._save_settings()

    def open_settings(self) -> None:
        # imported on first use: its credential fields bring in the OS keyring, which a
        # start (and paper trading) does not need
        from .dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        if dialog.exec() != SettingsDialog.DialogCode.Accepted or dialog.result_settings is None:
            return
        new = dialog.result_settings
        old = self.settings
        restart = (new.exchange, new.sandbox) != (old.exchange, old.sandbox)
        engine_changed = dataclasses.replace(old, exchange=new.exchange, sandbox=new.sandbox,
                                             theme=new.theme,
                                             chart_confirm_changes=new.chart_confirm_changes
                                             ) != new
        self.settings = new
        self.set_theme(new.theme)
        self.chart.confirm_changes = new.chart_confirm_changes
        self.settingsChanged.emit(new)
        notes = []
        if restart:
            notes.append("the exchange change applies at the next start")
        if engine_changed:
            apply = getattr(self.engine, "apply_settings", None)
            if callable(apply):
                try:
                    apply(new)
                except Exception as exc:  # the file is saved; say what did not take effect
                    log.warning("settings not applied to the running engine: %s", exc)
                    notes.append("polling, risk and history changes apply at the next start")
            else:
                notes.append("polling, risk and history changes apply at the next start")
        self.log_panel.add("Settings saved" + (" — " + "; ".join(notes) if notes else ""))

    def _save_settings(self) -> None:
        if self.settings_path is not None:
            try:
                self.settings.save(self.settings_path)
            except OSError as exc:
                self.log_panel.add(f"Cannot save settings: {exc}", "error")

    # -- window state -----------------------------------------------------------------------
    def _restore_layout(self) -> None:
        """The saved geometry, splitters, columns, sort and filters, before the rows arrive:
        each table then sorts and filters its rows once, in the restored order (a start used
        to sort a thousand rows by the default column, then again by the restored one)."""
        s = self.qsettings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        for splitter in (self.main_splitter, self.right_splitter, self.middle_splitter):
            state = s.value(f"splitters/{splitter.objectName()}")
            if isinstance(state, QByteArray) and not state.isEmpty():
                splitter.restoreState(state)
        self.positions.restore_state(s)
        self.orders.restore_state(s)

    def _restore_state(self) -> None:
        """What needs the rows: the log's last lines and the selected position's chart."""
        s = self.qsettings
        self.log_panel.restore(s.value("log/lines"))
        selected = s.value("positions/selected")
        if isinstance(selected, str) and selected and self.positions.view.select_id(selected):
            if self.chart.position is None or self.chart.position.id != selected:
                self._on_position_selected(selected)  # its chart, with its stored history
        self._chart_latest_open_position()

    def _chart_latest_open_position(self) -> None:
        """At start-up (with nothing selected last time) the newest open position is selected
        and charted with its stored history, so the chart is not empty until someone clicks."""
        open_positions = [p for p in self.positions.model.objects() if p.is_open]
        if open_positions and self.positions.view.current_id() is None:
            newest = max(open_positions, key=lambda p: p.opened_at)
            if self.positions.view.select_id(newest.id) and self.chart.position is None:
                self._on_position_selected(newest.id)

    def save_state(self) -> None:
        s = self.qsettings
        s.setValue("window/geometry", self.saveGeometry())
        for splitter in (self.main_splitter, self.right_splitter, self.middle_splitter):
            s.setValue(f"splitters/{splitter.objectName()}", splitter.saveState())
        self.positions.save_state(s)
        self.orders.save_state(s)
        s.setValue("positions/selected", self.positions.view.current_id() or "")
        s.setValue("log/lines", self.log_panel.dump(LOG_LINES_KEPT))
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.chart_history.cancel()
        self.save_state()
        self.unsubscribe()
        self._held_timer.stop()
        self.notifier.hide()
        super().closeEvent(event)

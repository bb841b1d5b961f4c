"""The order-entry panel: pick, type, see the cost, submit — or see inline what is wrong.

It never talks to the engine: a valid form emits `submitted(OrderTicket)` and the main window
places the order, then reports back with `show_error` / `show_info`. So an invalid form provably
submits nothing, and the widget is testable without an engine.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...domain import DomainError, OrderSide, OrderType, Position
from ...domain.money import parse_amount
from ...engine import MarketInfo
from ..formatting import fmt_amount, fmt_decimal, fmt_price
from ..order_ticket import (
    AMOUNT,
    BREAK_EVEN,
    NEEDS_PRICE,
    NEEDS_STOP,
    PRICE,
    STOP_LOSS,
    STOP_PRICE,
    SYMBOL,
    TAKE_PROFIT,
    TRAILING,
    OrderTicket,
    TicketErrors,
    amount_for_fraction,
    build_ticket,
    reference_price,
)
from .fresh_tooltip import FreshTooltip

ORDER_TYPES = (
    (OrderType.MARKET, "Market"),
    (OrderType.LIMIT, "Limit"),
    (OrderType.STOP, "Stop"),
    (OrderType.STOP_LIMIT, "Stop limit"),
)
FRACTIONS = (Decimal("0.25"), Decimal("0.5"), Decimal("1"))
ARROWS = frozenset({Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down})


class _NoArrowFlip(QObject):
    """Arrow keys on the Buy/Sell buttons would move focus and the check to the other side
    (Qt's arrow navigation between grouped buttons). The side changes only by Tab+Space, a
    click, or a deliberate shortcut, never by a stray arrow."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() in ARROWS:
            return True
        return False


def _quiet(text: str) -> Decimal | None:
    """Parse for the live estimate only: anything odd is simply "no estimate"."""
    try:
        return parse_amount(text) if text.strip() else None
    except DomainError:
        return None


def _set_invalid(widget: QWidget, invalid: bool) -> None:
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class OrderEntry(QFrame):
    submitted = Signal(object)  # OrderTicket

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self._markets: dict[str, MarketInfo] = {}
        self._prices: dict[str, Decimal] = {}
        self._balances: dict[str, tuple[Decimal, Decimal]] = {}
        self._held: dict[str, Position] = {}  # symbol -> its one open (net) position
        # while the last prices are stale: what the "Last" price's tooltip says (the account
        # strip's note, the one wording the positions table's stale cells use too)
        self._stale_note: Callable[[], str] | None = None
        self.fee_rate = Decimal("0.001")
        self._build()
        self._on_type_changed()
        self._on_side_changed()

    # -- construction ---------------------------------------------------------------------
    def _line(self, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        edit.textChanged.connect(lambda _t, e=edit: self._on_edited(e))
        return edit

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 10)
        outer.setSpacing(6)
        title = QLabel("NEW ORDER")
        title.setObjectName("panelTitle")
        outer.addWidget(title)

        self.symbol = QComboBox()
        self.symbol.setObjectName("orderSymbol")
        self.symbol.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.symbol.currentTextChanged.connect(self._on_symbol_changed)
        self.last_price = QLabel("")
        self.last_price.setObjectName("muted")
        self.last_price.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        FreshTooltip(self.last_price,
                     lambda: self._stale_note() if self._stale_note is not None else "")
        symbol_row = QHBoxLayout()
        symbol_row.addWidget(self.symbol, 3)
        symbol_row.addWidget(self.last_price, 2)
        outer.addLayout(symbol_row)

        side_box = QWidget()
        side_box.setObjectName("orderSide")
        side_row = QHBoxLayout(side_box)
        side_row.setContentsMargins(0, 0, 0, 0)
        side_row.setSpacing(4)
        self.buy_button = QPushButton("Buy")
        self.buy_button.setObjectName("buyButton")
        self.sell_button = QPushButton("Sell")
        self.sell_button.setObjectName("sellButton")
        # No QButtonGroup: Qt lets Tab stop only on the checked button of grouped buttons and
        # moves between them by arrows - with the arrows blocked (below), Sell was unreachable
        # from the keyboard. Two Tab stops, one side picked at a time (`_pick_side`).
        for button in (self.buy_button, self.sell_button):
            button.setCheckable(True)
            side_row.addWidget(button)
            button.clicked.connect(lambda _c=False, b=button: self._pick_side(b))
        self.buy_button.setChecked(True)
        for button in (self.buy_button, self.sell_button):
            button.toggled.connect(lambda *_: self._on_side_changed())
        self._no_arrow_flip = _NoArrowFlip(self)
        for button in (self.buy_button, self.sell_button):
            button.installEventFilter(self._no_arrow_flip)
        outer.addWidget(side_box)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(5)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form = form

        self.order_type = QComboBox()
        self.order_type.setObjectName("orderType")
        for value, label in ORDER_TYPES:
            self.order_type.addItem(label, value)
        self.order_type.currentIndexChanged.connect(lambda *_: self._on_type_changed())
        form.addRow("Type", self.order_type)

        self.amount = self._line("orderAmount", "0.00")
        self.amount_unit = QLabel("")
        self.amount_unit.setObjectName("muted")
        self.amount_unit.setMinimumWidth(34)
        amount_row = QHBoxLayout()
        amount_row.setSpacing(4)
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(self.amount_unit)
        form.addRow("Amount", amount_row)

        fraction_row = QHBoxLayout()
        fraction_row.setSpacing(4)
        self.fraction_buttons: list[QPushButton] = []
        for fraction in FRACTIONS:
            button = QPushButton(f"{int(fraction * 100)} %")
            button.setObjectName(f"orderFraction{int(fraction * 100)}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _c=False, f=fraction: self.fill_fraction(f))
            fraction_row.addWidget(button)
            self.fraction_buttons.append(button)
        form.addRow("", fraction_row)

        self.price = self._line("orderPrice", "limit price")
        form.addRow("Limit price", self.price)
        self.stop_price = self._line("orderStopPrice", "trigger price")
        form.addRow("Stop price", self.stop_price)
        outer.addLayout(form)

        protection_title = QLabel("PROTECTION  (optional)")
        protection_title.setObjectName("panelTitle")
        outer.addSpacing(4)
        outer.addWidget(protection_title)
        protection = QFormLayout()
        protection.setContentsMargins(0, 0, 0, 0)
        protection.setHorizontalSpacing(8)
        protection.setVerticalSpacing(5)
        protection.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.stop_loss = self._line("orderStopLoss", "price")
        self.take_profit = self._line("orderTakeProfit", "price")
        self.trailing = self._line("orderTrailing", "% behind best")
        self.break_even = self._line("orderBreakEven", "% profit")
        protection.addRow("Stop loss", self.stop_loss)
        protection.addRow("Take profit", self.take_profit)
        protection.addRow("Trailing %", self.trailing)
        protection.addRow("Break-even %", self.break_even)
        self.keep_protection = QCheckBox("Keep protection")
        self.keep_protection.setObjectName("orderKeepProtection")
        self.keep_protection.setToolTip("Keep these protection values for the next order on "
                                        "this symbol (a new symbol always starts without)")
        protection.addRow("", self.keep_protection)
        outer.addLayout(protection)
        self.protection_note = QLabel("")
        self.protection_note.setObjectName("orderProtectionNote")
        self.protection_note.setWordWrap(True)
        self.protection_note.setProperty("muted", True)
        self.protection_note.hide()
        outer.addWidget(self.protection_note)
        self.stop_note = QLabel("")
        self.stop_note.setObjectName("orderStopNote")
        self.stop_note.setWordWrap(True)
        self.stop_note.setProperty("muted", True)
        outer.addWidget(self.stop_note)

        outer.addSpacing(4)
        self.available = QLabel("")
        self.available.setObjectName("orderInfo")
        self.estimate = QLabel("")
        self.estimate.setObjectName("orderEstimate")
        self.estimate.setWordWrap(True)
        outer.addWidget(self.available)
        outer.addWidget(self.estimate)

        self.error = QLabel("")
        self.error.setObjectName("orderError")
        self.error.setWordWrap(True)
        self.error.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.error)
        self.message = QLabel("")
        self.message.setObjectName("orderMessage")
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
        self.error.hide()
        self.message.hide()

        self.submit_button = QPushButton("Buy")
        self.submit_button.setObjectName("submitOrder")
        self.submit_button.setDefault(True)
        self.submit_button.clicked.connect(self.submit)
        outer.addWidget(self.submit_button)
        outer.addStretch(1)

        self.fields: dict[str, QWidget] = {
            SYMBOL: self.symbol, AMOUNT: self.amount, PRICE: self.price,
            STOP_PRICE: self.stop_price, STOP_LOSS: self.stop_loss,
            TAKE_PROFIT: self.take_profit, TRAILING: self.trailing, BREAK_EVEN: self.break_even,
        }
        for edit in (self.amount, self.price, self.stop_price, self.stop_loss,
                     self.take_profit, self.trailing, self.break_even):
            edit.returnPressed.connect(self.submit)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.clear_form)
        self._symbol_shown = self.symbol.currentText()

    # -- inputs from the engine -------------------------------------------------------------
    def set_markets(self, markets: dict[str, MarketInfo]) -> None:
        current = self.symbol.currentText()
        self._markets = dict(markets)
        self.symbol.blockSignals(True)
        self.symbol.clear()
        self.symbol.addItems(sorted(s for s, m in markets.items() if m.active))
        self.symbol.blockSignals(False)
        if current in markets:
            self.symbol.setCurrentText(current)
        self._on_symbol_changed()

    def set_stop_note(self, text: str) -> None:
        """Where this symbol's stops live (on the exchange, or watched by the app)."""
        self.stop_note.setText(text)
        self.stop_note.setVisible(bool(text))

    def set_prices(self, prices: dict[str, Decimal]) -> None:
        """Every tick's prices; the form's figures change only with the shown symbol's."""
        symbol = self.symbol.currentText()
        moved = symbol in prices and prices[symbol] != self._prices.get(symbol)
        self._prices.update(prices)
        if moved:
            self._refresh_info()

    def set_prices_stale(self, note: Callable[[], str] | None) -> None:
        """The venue stopped answering and the last price is older than allowed: "Last" says
        so, as the account strip does, rather than look like a live quote; `note` (None:
        fresh again) says how old, in the words the positions table uses."""
        self._stale_note = note
        self._refresh_info()

    def set_balances(self, balances: dict[str, tuple[Decimal, Decimal]]) -> None:
        if balances == self._balances:  # a refresh that found the same money
            return
        self._balances = dict(balances)
        self._refresh_info()

    def set_positions(self, positions: list[Position]) -> None:
        """The open positions (one per symbol): a Sell on a held long is a reduction, and
        protection typed on an adding order replaces the position's."""
        self._held = {p.symbol: p for p in positions if p.is_open}
        self._on_side_changed()

    def position_changed(self, position: Position) -> None:
        """One position moved, opened or closed: O(1), where `set_positions` rebuilds the
        whole map (a tick on 50 of 1 000 symbols must not rebuild it 50 times)."""
        held = self._held.get(position.symbol)
        if position.is_open:
            self._held[position.symbol] = position
        elif held is not None and held.id == position.id:
            del self._held[position.symbol]
        if position.symbol == self.symbol.currentText():
            self._on_side_changed()

    def holding(self) -> Position | None:
        return self._held.get(self.symbol.currentText())

    def reduces(self) -> bool:
        """Does the order as set up now take off the symbol's position?"""
        held = self.holding()
        return held is not None and self.side is held.side.exit_side

    # -- state ------------------------------------------------------------------------------
    @property
    def side(self) -> OrderSide:
        return OrderSide.SELL if self.sell_button.isChecked() else OrderSide.BUY

    def set_side(self, side: OrderSide) -> None:
        self._pick_side(self.sell_button if OrderSide(side) is OrderSide.SELL
                        else self.buy_button)

    def _pick_side(self, button: QPushButton) -> None:
        """Exactly one side is checked: the one picked (a click on the checked one keeps it)."""
        other = self.sell_button if button is self.buy_button else self.buy_button
        button.setChecked(True)
        other.setChecked(False)

    @property
    def order_type_value(self) -> OrderType:
        return OrderType(self.order_type.currentData())  # a str-Enum comes back as str

    def set_order_type(self, order_type: OrderType) -> None:
        self.order_type.setCurrentIndex(self.order_type.findData(OrderType(order_type)))

    def market(self) -> MarketInfo | None:
        return self._markets.get(self.symbol.currentText())

    def texts(self) -> dict[str, str]:
        return {name: w.text() for name, w in self.fields.items() if isinstance(w, QLineEdit)}

    def focus_amount(self) -> None:
        self.amount.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.amount.selectAll()

    # -- reactions ----------------------------------------------------------------------------
    def _on_symbol_changed(self, *_: object) -> None:
        symbol = self.symbol.currentText()
        if symbol != getattr(self, "_symbol_shown", symbol):
            # a stop or target is a price of one market: never carry it to another
            self.clear_protection()
        self._symbol_shown = symbol
        market = self.market()
        self.amount_unit.setText(market.base if market else "")
        self._on_side_changed()
        self._clear_invalid(SYMBOL)

    def _on_side_changed(self) -> None:
        side = self.side
        market = self.market()
        verb = "Buy" if side is OrderSide.BUY else "Sell"
        held = self.holding()
        if self.reduces():
            assert held is not None
            self.submit_button.setText(f"{verb} — reduces your {held.side.value}")
        else:
            self.submit_button.setText(f"{verb} {market.base}" if market else verb)
        if self.submit_button.property("side") != side.value:
            # a re-polish re-lays out and repaints the button (and the panel behind it): only
            # for a new side, not for each move of the held position's price
            self.submit_button.setProperty("side", side.value)
            self.submit_button.style().unpolish(self.submit_button)
            self.submit_button.style().polish(self.submit_button)
        self._refresh_info()

    def _on_type_changed(self) -> None:
        order_type = self.order_type_value
        self.form.setRowVisible(self.price, order_type in NEEDS_PRICE)
        self.form.setRowVisible(self.stop_price, order_type in NEEDS_STOP)
        if order_type not in NEEDS_PRICE:
            self._clear_invalid(PRICE)
        if order_type not in NEEDS_STOP:
            self._clear_invalid(STOP_PRICE)
        self._refresh_info()

    def _on_edited(self, edit: QLineEdit) -> None:
        if edit.property("invalid"):  # re-check as the trader fixes it
            try:
                self._validate()
                self._show_errors({})
            except TicketErrors as errors:
                self._show_errors(errors.fields)
        self._refresh_info()

    def _reference(self) -> Decimal | None:
        return reference_price(self.order_type_value, _quiet(self.price.text()),
                               _quiet(self.stop_price.text()),
                               self._prices.get(self.symbol.currentText()))

    def _refresh_info(self) -> None:
        market = self.market()
        symbol = self.symbol.currentText()
        last = self._prices.get(symbol)
        stale = self._stale_note is not None and last is not None
        # the row is narrow: a ⚠ in the text, the words in the tooltip
        self.last_price.setText("" if last is None else f"Last {fmt_price(last, symbol)}"
                                + (" ⚠" if stale else ""))
        self.last_price.setToolTip(self._stale_note() if stale and self._stale_note else "")
        if market is None:
            self.available.setText("")
            self.estimate.setText("")
            return
        spend = market.quote if self.side is OrderSide.BUY else market.base
        free = self._balances.get(spend, (Decimal(0), Decimal(0)))[0]
        shown = fmt_decimal(free, 2) if spend == market.quote else fmt_amount(free)
        self.available.setText(f"Available  {shown} {spend}")
        self._refresh_protection_note()
        amount = _quiet(self.amount.text())
        ref = self._reference()
        if amount is None or ref is None:
            self.estimate.setText("")
            return
        cost = amount * ref
        fee = cost * self.fee_rate
        self.estimate.setText(
            f"Cost ≈ {fmt_decimal(cost, 2)} {market.quote}   "
            f"Fee ≈ {fmt_decimal(fee, 2)} {market.quote}")

    def _refresh_protection_note(self) -> None:
        held = self.holding()
        typed = any(e.text().strip() for e in (self.stop_loss, self.take_profit, self.trailing,
                                               self.break_even))
        if held is None:
            text = ""
        elif self.reduces():
            text = (f"This order reduces your {held.side.value} of {fmt_amount(held.amount)} "
                    f"{held.base}; protection stays with the position." if typed else "")
        elif typed:
            text = (f"Adds to your {held.side.value} of {fmt_amount(held.amount)} {held.base}: "
                    "this protection replaces the position's.")
        else:
            text = (f"Adds to your {held.side.value} of {fmt_amount(held.amount)} {held.base}; "
                    "its protection stays.")
        self.protection_note.setText(text)
        self.protection_note.setVisible(bool(text))

    def fill_fraction(self, fraction: Decimal) -> None:
        market = self.market()
        if market is None:
            return
        amount = amount_for_fraction(fraction=fraction, side=self.side, market=market,
                                     balances=self._balances, price=self._reference(),
                                     fee_rate=self.fee_rate)
        if amount is None:
            self.show_error("No free balance (or no price yet) to size the order from")
            return
        self.amount.setText(str(amount))
        self.clear_message()

    # -- validation and submit --------------------------------------------------------------
    def _validate(self) -> OrderTicket:
        return build_ticket(symbol=self.symbol.currentText(), side=self.side,
                            order_type=self.order_type_value, texts=self.texts(),
                            market=self.market(),
                            last_price=self._prices.get(self.symbol.currentText()),
                            balances=self._balances if self._balances else None,
                            fee_rate=self.fee_rate)

    def _clear_invalid(self, name: str) -> None:
        widget = self.fields.get(name) if hasattr(self, "fields") else None
        if widget is not None:
            _set_invalid(widget, False)

    def _show_errors(self, errors: dict[str, str]) -> None:
        for name, widget in self.fields.items():
            bad = name in errors
            _set_invalid(widget, bad)
            widget.setToolTip(errors.get(name, ""))
        if errors:
            self.show_error("\n".join(errors.values()))
        else:
            self.clear_message()

    def submit(self) -> OrderTicket | None:
        """Validate; on success emit `submitted` and return the ticket, else show why."""
        if not self.submit_button.isEnabled():
            return None
        try:
            ticket = self._validate()
        except TicketErrors as errors:
            self._show_errors(errors.fields)
            first = next(iter(errors.fields))
            self.fields[first].setFocus()
            return None
        self._show_errors({})
        self.submitted.emit(ticket)
        return ticket

    # -- clearing -----------------------------------------------------------------------------
    PROTECTION_FIELDS = ("stop_loss", "take_profit", "trailing", "break_even")

    def clear_protection(self) -> None:
        for name in self.PROTECTION_FIELDS:
            getattr(self, name).clear()

    def clear_form(self) -> None:
        """Esc: empty every field and message (symbol, side and type stay as chosen)."""
        for edit in (self.amount, self.price, self.stop_price):
            edit.clear()
        self.clear_protection()
        self._show_errors({})
        self.clear_message()

    def order_accepted(self) -> None:
        """The order went out: clear the amount (Enter again must not send a twin) and the
        protection, unless the trader asked to keep it for the next order."""
        for edit in (self.amount, self.price, self.stop_price):
            edit.clear()
        if not self.keep_protection.isChecked():
            self.clear_protection()

    # -- feedback from the main window ------------------------------------------------------
    def set_busy(self, busy: bool) -> None:
        if busy and self.submit_button.hasFocus():
            # a disabled button hands focus to the next widget in the window (the positions
            # filter), where the trader's next keystrokes would silently filter the table
            self.amount.setFocus(Qt.FocusReason.OtherFocusReason)
        self.submit_button.setEnabled(not busy)
        if busy:
            self.show_info("Sending…")

    def show_error(self, text: str) -> None:
        """A reason in red under the form (invalid input, or the exchange's rejection)."""
        self._say(self.message, "")
        self._say(self.error, text)

    def show_info(self, text: str) -> None:
        self._say(self.error, "")
        self._say(self.message, text)

    def clear_message(self) -> None:
        self._say(self.error, "")
        self._say(self.message, "")

    @staticmethod
    def _say(label: QLabel, text: str) -> None:
        """Empty labels take no room, so the submit button stays under the estimate."""
        label.setText(text)
        label.setVisible(bool(text))

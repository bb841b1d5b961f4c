"""One rule for a fee wherever a trader reads it: a fee in the quote currency is money (to the
cent, as P&L and the History view show it), a fee in a coin is an amount (the decimals it
carries). The orders table showed "25.0000" beside History's "25.00", the exit tooltip
"25.000 USDT" and the headless narration "fee 75 USDT"."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from moniqo_desktop.domain import ExitReason, Fill
from moniqo_desktop.domain.exits import ExitRecord
from moniqo_desktop.ui.exit_audit import exit_tooltip
from moniqo_desktop.ui.models.orders import make_orders_model

from ui_factories import filled, make_order

D = Decimal
DISPLAY, TIP = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole


def test_a_quote_fee_is_money_and_a_coin_fee_an_amount():
    from moniqo_desktop.domain.figures import fmt_fee

    assert fmt_fee(D("25"), "USDT", "USDT") == "25.00 USDT"
    assert fmt_fee(D("0.123456"), "USDT", "USDT") == "0.12 USDT"
    assert fmt_fee(D("1234.5"), "USDT", "USDT") == "1,234.50 USDT"
    assert fmt_fee(D("0.00001234"), "BTC", "USDT") == "0.00001234 BTC"
    assert fmt_fee(D("0.0500"), "BNB", "USDT") == "0.05 BNB"


def test_the_orders_table_spells_fees_by_the_rule():
    model = make_orders_model()
    in_quote = filled(make_order(type="market", price=None), "50000", fee="25")
    in_coin = make_order(type="market", price=None, amount="0.1")
    in_coin.update_status("submitted")
    in_coin.add_fill(Fill(fill_id="f-coin", amount=D("0.1"), price=D("50000"),
                          fee=D("0.00001234"), fee_currency="BTC"))
    model.upsert(in_quote)
    model.upsert(in_coin)
    cell = lambda row, role: model.index(row, model.column_index("fees")).data(role)  # noqa: E731
    assert cell(0, DISPLAY) == "25.00"  # was "25.0000" (History: "25.00")
    assert cell(0, TIP) == "25.00 USDT"
    assert cell(1, DISPLAY) == "0.62"  # 0.00001234 BTC x 50 000, valued in USDT
    assert cell(1, TIP) == "0.00001234 BTC"


def test_the_exit_tooltip_spells_fees_by_the_rule():
    order = filled(make_order(side="sell", type="market", price=None, amount="0.5"),
                   "51000", fee="25.5")
    order.exit_decision = ExitRecord(rule=ExitReason.MANUAL, trigger_price=None)
    tip = exit_tooltip(order)
    assert "Fees: 25.50 USDT" in tip, tip  # was "25.500 USDT"


def test_the_headless_fill_line_spells_the_fee_by_the_rule():
    from datetime import datetime, timezone

    from moniqo_desktop.engine.events import FillReceived
    from moniqo_desktop.headless import describe

    order = filled(make_order(type="market", price=None, amount="1.5"), "50000", fee="75")
    line = describe(FillReceived(order=order, fill=order.fills[0],
                                 at=datetime(2026, 1, 1, tzinfo=timezone.utc)))
    assert line.endswith("1.5 @ 50,000.00 fee 75.00 USDT"), line

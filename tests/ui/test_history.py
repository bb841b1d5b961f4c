"""History view: closed positions with realized P&L, fees, reason and time held; CSV export of
orders, fills and positions with exact decimals."""

from __future__ import annotations

import asyncio
import csv
import os
from decimal import Decimal

from PySide6.QtCore import Qt

from fake_clock import FakeClock
from window_harness import until_idle

from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange

D = Decimal


def rows(path):
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_history_lists_closed_positions_and_exports_csv(run, tmp_path):
    async def scenario(window, engine, exchange):
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
        await engine.place_order(symbol="ETH/USDT", side="buy", type="market", amount="1")
        btc = next(p for p in engine.positions() if p.symbol == "BTC/USDT")
        exchange.set_price("BTC/USDT", D("51000"))
        await engine.close_position(btc.id)
        await until_idle()
        dialog = window.open_history()
        model = dialog.model
        assert model.rowCount() == 1  # only the closed one
        cell = {c.key: model.index(0, i).data(Qt.ItemDataRole.DisplayRole)
                for i, c in enumerate(model.columns)}
        # 0.1 * (51000 - 50000) - 5 entry fee - 5.1 exit fee
        assert cell["realized_pnl"] == "+89.90"
        assert cell["fees"] == "10.10"
        assert cell["close_reason"] == "manual"
        assert cell["symbol"] == "BTC/USDT" and cell["held"]
        assert "1 closed" in dialog.summary.text()

        orders_csv, fills_csv, positions_csv = dialog.export(tmp_path / "out")
        positions = rows(positions_csv)
        assert {p["symbol"] for p in positions} == {"BTC/USDT", "ETH/USDT"}
        closed = next(p for p in positions if p["symbol"] == "BTC/USDT")
        assert D(closed["realized_pnl"]) == D("89.9") == engine.position(btc.id).realized_pnl
        assert closed["close_reason"] == "manual" and closed["exit_price"] == "51000"
        assert len(rows(orders_csv)) == 3  # two entries, one exit
        fills = rows(fills_csv)
        assert len(fills) == 3 and {f["fee_currency"] for f in fills} == {"USDT"}
        assert sum(D(f["fee"]) for f in fills) == D("5") + D("5.1") + D("3")
        dialog.close()

    run(scenario)


def test_history_reads_the_store_beyond_the_in_memory_window(run, tmp_path):
    """Positions closed longer ago than `history_in_memory_days` leave the engine's memory at
    start-up; the History view and its export still show them (read from the store)."""
    async def trade_long_ago():
        clock = FakeClock()  # January 2026: far older than the 7-day window
        venue = DemoExchange(prices={"BTC/USDT": D("50000"), "ETH/USDT": D("3000")},
                             clock=clock)
        engine = await Engine.open(tmp_path / "moniqo.sqlite3", venue, clock=clock)
        try:
            for _ in range(3):
                await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                         amount="0.1")
                [position] = engine.positions(open_only=True)
                venue.set_price("BTC/USDT", venue.prices["BTC/USDT"] + 1000)
                await engine.close_position(position.id)
                clock.advance(hours=2)
        finally:
            await engine.close()

    asyncio.run(trade_long_ago())

    async def scenario(window, engine, exchange):
        assert not [p for p in engine.positions() if not p.is_open]  # none left in memory
        await engine.place_order(symbol="ETH/USDT", side="buy", type="market", amount="1")
        [eth] = engine.positions(open_only=True)
        await engine.close_position(eth.id)  # one closed today, in memory
        await until_idle()
        dialog = window.open_history()
        assert dialog.model.rowCount() == 4
        assert "4 closed" in dialog.summary.text()
        closed = dialog.model.column_index("closed_at")
        dates = {dialog.model.index(r, closed).data(Qt.ItemDataRole.DisplayRole)[:10]
                 for r in range(4)}
        assert "2026-01-05" in dates  # the old ones, dated (history spans months)
        if os.environ.get("MONIQO_SHOTS"):  # a screenshot for the reviewer (directory)
            dialog.grab().save(os.path.join(os.environ["MONIQO_SHOTS"], "history_window.png"))
        orders_csv, fills_csv, positions_csv = dialog.export(tmp_path / "out")
        assert len(rows(positions_csv)) == 4
        assert len(rows(orders_csv)) == 8  # 4 entries, 4 exits
        assert len(rows(fills_csv)) == 8
        dialog.close()

    run(scenario)


def test_the_realized_total_counts_what_reduced_open_positions_realized(run, tmp_path):
    """"Realized" in the footer is all the P&L realized: a position reduced and still open
    has booked part of its P&L, and the total says so rather than leaving it out."""
    async def scenario(window, engine, exchange):
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
        await engine.place_order(symbol="ETH/USDT", side="buy", type="market", amount="1")
        btc = next(p for p in engine.positions() if p.symbol == "BTC/USDT")
        eth = next(p for p in engine.positions() if p.symbol == "ETH/USDT")
        exchange.set_price("BTC/USDT", D("51000"))
        await engine.close_position(btc.id)  # +89.90
        exchange.set_price("ETH/USDT", D("3100"))
        await engine.close_position(eth.id, amount=D("0.5"))  # 50 − 1.5 − 1.55 = +46.95
        await until_idle()
        assert eth.is_open and eth.realized_pnl == D("46.95")
        dialog = window.open_history()
        assert dialog.model.rowCount() == 1  # the table lists closed positions only
        text = dialog.summary.text()
        assert "realized +136.85 USDT" in text, text
        assert "1 closed" in text and "1 open position reduced (+46.95 USDT)" in text, text
        if os.environ.get("MONIQO_SHOTS"):
            dialog.grab().save(os.path.join(os.environ["MONIQO_SHOTS"], "history_footer.png"))
        dialog.close()

    run(scenario)

"""Screenshots of #14's leftovers, from the real window offscreen (no drawing by hand):

- leftovers-chart-entry-marker.png: a long closed at its target, charted: the entry's ▲ at the
  plot's left and bottom edges, whole; and the window around it (leftovers-main.png);
- leftovers-balances-tooltip.png: the account strip with a paper account of 1 000 coins, and
  its balances tooltip text (leftovers-balances-tooltip.txt: a tooltip is a window of its own,
  which a grab of the main window does not hold, so it is also drawn in a label beside it);
- leftovers-order-form.png: the order form after ticks of other symbols (unchanged) and one of
  its own (Last and Cost moved).

    QT_QPA_PLATFORM=offscreen python resources/screenshots/leftovers_shots.py /work/shots/leftovers
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from datetime import datetime, timezone
from decimal import Decimal as D
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import qasync  # noqa: E402
from PySide6.QtCore import QEvent, QPoint  # noqa: E402
from PySide6.QtGui import QHelpEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel  # noqa: E402

from fake_clock import FakeClock  # noqa: E402
from issue14_shots import idle, window_on  # noqa: E402
from moniqo_desktop.engine import Engine  # noqa: E402
from moniqo_desktop.exchanges import DemoExchange  # noqa: E402
from moniqo_desktop.ui import theme  # noqa: E402

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else ".")


async def chart_and_form() -> None:
    folder = tempfile.mkdtemp()
    clock = FakeClock(datetime.now(timezone.utc))
    demo = DemoExchange(prices={"BTC/USDT": D("50000"), "ETH/USDT": D("3000")},
                        fee_rate=D("0.001"), clock=clock)
    engine = await Engine.open(Path(folder) / "m.sqlite3", demo, clock=clock)
    window = window_on(engine, folder, clock)
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.05",
                             take_profit="51000")
    clock.advance(minutes=42, seconds=17)
    demo.set_price("BTC/USDT", D("51000"))
    await engine.run_cycle()
    await engine.run_cycle()
    await idle()
    window.positions.status_filter.setCurrentText("All")
    btc = next(p for p in engine.positions() if p.symbol == "BTC/USDT")
    window.positions.view.select_id(btc.id)
    await idle()
    window.chart.grab().save(str(OUT / "leftovers-chart-entry-marker.png"))
    window.grab().save(str(OUT / "leftovers-main.png"))
    # the order form: ETH ticks (BTC shown, unchanged), then BTC moves
    await engine.place_order(symbol="ETH/USDT", side="buy", type="market", amount="1")
    window.entry.symbol.setCurrentText("BTC/USDT")
    window.entry.amount.setText("0.01")
    for eth in ("3004", "2996", "3010"):
        clock.advance(seconds=2)
        demo.set_price("ETH/USDT", D(eth))
        await engine.run_cycle()
    clock.advance(seconds=2)
    demo.set_price("BTC/USDT", D("51120"))
    await engine.run_cycle()
    await idle()
    window.entry.grab().save(str(OUT / "leftovers-order-form.png"))
    window.close()
    await engine.close()


async def balances() -> None:
    folder = tempfile.mkdtemp()
    prices = {f"C{i:04d}/USDT": D(1 + i % 37) for i in range(1000)}
    prices["BTC/USDT"] = D("50000")
    held = {f"C{i:04d}": D(i + 1) for i in range(1000)}
    demo = DemoExchange(prices=prices, balances={"USDT": D("10000"), **held})
    engine = await Engine.open(Path(folder) / "m.sqlite3", demo)
    window = window_on(engine, folder)
    await engine.run_cycle()
    await idle()
    strip = window.account
    QApplication.sendEvent(strip.balances, QHelpEvent(
        QEvent.Type.ToolTip, QPoint(2, 2), strip.balances.mapToGlobal(QPoint(2, 2))))
    tip = strip.balances.toolTip()
    (OUT / "leftovers-balances-tooltip.txt").write_text(tip + "\n", encoding="utf-8")
    shown = QLabel(tip)  # the tooltip's text as a trader reads it, under the strip
    shown.setObjectName("tooltipShown")
    shown.setStyleSheet("QLabel { background: #ffffdc; color: #000; padding: 6px;"
                        " border: 1px solid #888; }")
    shown.setParent(window)
    shown.move(strip.balances.mapTo(window, QPoint(0, strip.balances.height() + 4)))
    shown.adjustSize()
    shown.show()
    await idle()
    window.grab().save(str(OUT / "leftovers-balances-tooltip.png"))
    window.close()
    await engine.close()


async def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    await chart_and_form()
    await balances()
    print("saved to", OUT)


if __name__ == "__main__":
    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)
    theme.apply_theme(app, "dark")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main())

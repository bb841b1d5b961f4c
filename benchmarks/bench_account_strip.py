"""The account strip's `set_balances` with a paper account of many coins (prints figures).

A paper account of 1 000 positions holds 1 000 coins; the strip shows four balances and a
tooltip. Per call: the median and worst wall time of `set_balances` (each call with changed
amounts, as after a fill), over a few hundred calls; and the tooltip's length on hover.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/bench_account_strip.py [balances] [calls]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from decimal import Decimal

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QPoint  # noqa: E402
from PySide6.QtGui import QHelpEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from moniqo_desktop.ui.widgets.account_strip import AccountStrip  # noqa: E402

D = Decimal


def main(n_balances: int, calls: int) -> None:
    app = QApplication.instance() or QApplication([])
    strip = AccountStrip()
    strip.show()
    strip.set_prices({f"C{i:04d}/USDT": D(10 + i % 97) for i in range(n_balances)})
    times = []
    for call in range(calls):
        balances = {f"C{i:04d}": (D(i + call) / 7, D(i + call + 1) / 7)
                    for i in range(n_balances)}
        balances["USDT"] = (D(5000 + call), D(10000 + call))
        t = time.perf_counter()
        strip.set_balances(balances)
        times.append((time.perf_counter() - t) * 1000)
    app.processEvents()
    QApplication.sendEvent(strip.balances, QHelpEvent(
        QEvent.Type.ToolTip, QPoint(2, 2), strip.balances.mapToGlobal(QPoint(2, 2))))
    tip = strip.balances.toolTip()
    print(f"balances: {n_balances}, calls: {calls}")
    print(f"set_balances: median {statistics.median(times):.2f} ms, "
          f"max {max(times):.2f} ms per call")
    print(f"tooltip on hover: {len(tip.splitlines())} lines, {len(tip)} characters")
    strip.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000,
         int(sys.argv[2]) if len(sys.argv) > 2 else 200)

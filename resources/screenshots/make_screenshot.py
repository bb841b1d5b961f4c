"""Regenerate main-window.png from a real run: Engine + DemoExchange + MainWindow, offscreen.

    QT_QPA_PLATFORM=offscreen python resources/screenshots/make_screenshot.py dark \
        resources/screenshots/main-window.png

A simulated clock drives two hours of prices through `engine.run_cycle()`, so the chart, water
marks, trailing stop and durations are the engine's own; nothing is drawn by hand.
"""
import asyncio, os, sys, tempfile
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from decimal import Decimal as D
from PySide6.QtWidgets import QApplication
from PySide6.QtCore import QSettings
import qasync
from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.config import Settings
from moniqo_desktop.ui.main_window import MainWindow
from moniqo_desktop.ui.order_ticket import OrderTicket

app = QApplication([])
app.setQuitOnLastWindowClosed(False)
loop = qasync.QEventLoop(app)
asyncio.set_event_loop(loop)
theme_name = sys.argv[1] if len(sys.argv) > 1 else "dark"
out = sys.argv[2] if len(sys.argv) > 2 else "main-window.png"

from datetime import datetime, timedelta, timezone
NOW = [datetime.now(timezone.utc) - timedelta(hours=2, minutes=10)]
def clock():
    return NOW[0]

async def main():
    tmp = tempfile.mkdtemp()
    ex = DemoExchange(prices={"BTC/USDT": D("50000"), "ETH/USDT": D("3000"), "SOL/USDT": D("150")},
                      fee_rate=D("0.001"), balances={"USDT": D("100000")}, clock=clock)
    settings = Settings(theme=theme_name, update_log_min_seconds=0, update_log_min_move_percent="0")
    engine = await Engine.open(os.path.join(tmp, "db.sqlite3"), ex, settings=settings, clock=clock)
    qs = QSettings(os.path.join(tmp, "ui.ini"), QSettings.Format.IniFormat)
    w = MainWindow(engine, settings, qsettings=qs, duration_refresh_ms=0)
    w.show()
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount=D("0.5"),
                             stop_loss=D("48500"), take_profit=D("54000"), trailing_stop_percent=D("2"),
                             break_even_percent=D("1.5"))
    await engine.place_order(symbol="ETH/USDT", side="buy", type="market", amount=D("4"), stop_loss=D("2850"))
    await engine.place_order(symbol="SOL/USDT", side="sell", type="market", amount=D("20"), take_profit=D("140"))
    await engine.place_order(symbol="BTC/USDT", side="buy", type="limit", amount=D("0.1"), price=D("48000"))
    await engine.place_order(symbol="ETH/USDT", side="sell", type="limit", amount=D("2"), price=D("3300"))
    import random
    random.seed(3)
    p = {"BTC/USDT": 50000.0, "ETH/USDT": 3000.0, "SOL/USDT": 150.0}
    drift = {"BTC/USDT": 0.0009, "ETH/USDT": 0.0004, "SOL/USDT": -0.0006}
    for i in range(60):
        NOW[0] += timedelta(minutes=2)
        for s in p:
            p[s] *= 1 + random.gauss(drift[s], 0.0025)
            ex.set_price(s, D(str(round(p[s], 2))))
        await engine.run_cycle()
    # one closed position
    await engine.place_order(symbol="SOL/USDT", side="buy", type="market", amount=D("10"))
    for _ in range(3):
        NOW[0] += timedelta(minutes=1)
        await engine.run_cycle()
    sol_long = [x for x in engine.positions() if x.symbol == "SOL/USDT" and x.side.value == "long"][0]
    await engine.close_position(sol_long.id)
    for _ in range(3):
        NOW[0] += timedelta(minutes=1)
        await engine.run_cycle()
    w.positions.set_filter(os.environ.get("FILTER", "All"))
    w.entry.amount.setText("0.05")
    btc = [x for x in engine.positions() if x.symbol == "BTC/USDT"][0]
    print("btc", btc.status, btc.stop_loss, btc.current_price)
    w.positions.view.select_id(btc.id)
    await asyncio.sleep(0.3)
    app.processEvents()
    w.grab().save(out)
    print("saved", out, [ (x.symbol, x.status.value) for x in engine.positions()])
    w.close()
    await engine.close()

with loop:
    loop.run_until_complete(main())

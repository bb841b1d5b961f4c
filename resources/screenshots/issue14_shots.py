"""The screenshots issue #14 asks for, from the real window offscreen (no drawing by hand):

- issue14-live-badge.png: a real ccxt venue (binance), its answers replayed from recordings
  through real ccxt parsing (tests/exchanges/ccxt_replay.py replaces only ccxt's HTTP fetch);
- issue14-testnet-badge.png: the same venue in sandbox mode;
- issue14-degraded.png: the paper venue gone silent (`fail_next`), two poll intervals later and
  then ten seconds more: "Degraded · last answer N s ago", stale balances and prices;
  issue14-degraded-table.png: the same moment, the positions table close up (Price, Open P&L
  and Open % dimmed with a ⚠);
- issue14-history.png: History (closed positions, realized P&L, fees, reason, time held).

    QT_QPA_PLATFORM=offscreen python resources/screenshots/issue14_shots.py /work/shots [PREFIX]

(PREFIX, default "issue14-", begins every file name: "issue14-final-" keeps an earlier set.)
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
for folder in ("tests/support", "tests/exchanges"):
    sys.path.insert(0, str(ROOT / folder))

import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ccxt_replay import Replay, SleepRecorder, replayed  # noqa: E402
from fake_clock import FakeClock  # noqa: E402
from moniqo_desktop.config import Settings  # noqa: E402
from moniqo_desktop.engine import Engine  # noqa: E402
from moniqo_desktop.exchanges import DemoExchange  # noqa: E402
from moniqo_desktop.ui import event_pump, tasks, theme  # noqa: E402
from moniqo_desktop.ui.main_window import MainWindow  # noqa: E402
from moniqo_desktop.ui.notifier import Notifier  # noqa: E402

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
PREFIX = sys.argv[2] if len(sys.argv) > 2 else "issue14-"


def shot(name: str) -> str:
    """Where the picture `name` ("live-badge.png") goes."""
    return str(OUT / (PREFIX + name))


async def idle() -> None:
    while tasks.pending() or event_pump.pending():
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.4)  # paint, and the counts (coalesced, 250 ms); never processEvents()


def window_on(engine, folder: str, clock=None) -> MainWindow:
    window = MainWindow(engine, Settings(), qsettings=QSettings(
        str(Path(folder) / "ui.ini"), QSettings.Format.IniFormat),
        notifier=Notifier(enabled=False), duration_refresh_ms=0)
    if clock is not None:
        window.account.clock = clock
    window.resize(1440, 900)
    window.show()
    return window


async def venue_shot(name: str, sandbox: bool) -> None:
    folder = tempfile.mkdtemp()
    exchange = replayed("binance", Replay("binance").add("exchange_info", "account")
                        .add("tickers", "account", sticky=True),
                        SleepRecorder(), sandbox=sandbox)
    engine = await Engine.open(Path(folder) / "m.sqlite3", exchange)
    window = window_on(engine, folder)
    await engine.run_cycle()  # one poll, as the running app makes within its first interval
    await idle()
    window.grab().save(shot(name))
    window.close()
    await engine.close()


async def degraded_shot() -> None:
    folder = tempfile.mkdtemp()
    clock = FakeClock(datetime.now(timezone.utc))  # the table's Held uses the real clock
    demo = DemoExchange(prices={"BTC/USDT": D("50000"), "ETH/USDT": D("3000")},
                        balances={"USDT": D("10000")}, clock=clock)
    engine = await Engine.open(Path(folder) / "m.sqlite3", demo, clock=clock)
    window = window_on(engine, folder, clock)
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="45000")
    await engine.place_order(symbol="ETH/USDT", side="buy", type="market", amount="1")
    for price, eth in (("50120", "3004"), ("50310", "2996"), ("50240", "2991")):
        clock.advance(seconds=engine.poll_interval)
        demo.set_price("BTC/USDT", D(price))
        demo.set_price("ETH/USDT", D(eth))
        await engine.run_cycle()
    await idle()
    demo.fail_next(100)
    for _ in range(2):  # two poll intervals of silence
        clock.advance(seconds=engine.poll_interval)
        await engine.heartbeat()
    clock.advance(seconds=8)
    await idle()
    window.account.refresh_ages()
    window.grab().save(shot("degraded.png"))
    window.positions.grab().save(shot("degraded-table.png"))
    window.close()
    await engine.close()


async def history_shot() -> None:
    folder = tempfile.mkdtemp()
    clock = FakeClock(datetime.now(timezone.utc))  # the table's Held uses the real clock
    demo = DemoExchange(prices={"BTC/USDT": D("50000"), "ETH/USDT": D("3000"),
                                "SOL/USDT": D("150")}, fee_rate=D("0.001"), clock=clock)
    engine = await Engine.open(Path(folder) / "m.sqlite3", demo, clock=clock)
    window = window_on(engine, folder, clock)
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.05",
                             take_profit="51000")
    await engine.place_order(symbol="ETH/USDT", side="buy", type="market", amount="0.5",
                             stop_loss="2950")
    await engine.place_order(symbol="SOL/USDT", side="buy", type="market", amount="10")
    clock.advance(minutes=42, seconds=17)
    for symbol, price in (("BTC/USDT", "51000"), ("ETH/USDT", "2950")):
        demo.set_price(symbol, D(price))
    await engine.run_cycle()
    clock.advance(hours=3, minutes=5)
    demo.set_price("SOL/USDT", D("152.5"))
    await engine.run_cycle()
    sol = next(p for p in engine.positions(open_only=True) if p.symbol == "SOL/USDT")
    await engine.close_position(sol.id)
    await idle()
    dialog = window.open_history()
    await idle()
    dialog.grab().save(shot("history.png"))
    window.grab().save(shot("main.png"))
    dialog.close()
    window.close()
    await engine.close()


async def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    await venue_shot("live-badge.png", sandbox=False)
    await venue_shot("testnet-badge.png", sandbox=True)
    await degraded_shot()
    await history_shot()
    print("saved to", OUT)


if __name__ == "__main__":
    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)  # each shot closes its window; the run goes on
    theme.apply_theme(app, "dark")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main())

"""An exit due when the app starts still fires, right after the window's first paint (#14).

Start-up defers the engine's first pass (prices, exit evaluation) until the window has painted;
that must not cost a due exit: here the paper market resumes below a position's stop loss, and
the real app, started on that store, closes the position by its stop.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from moniqo_desktop.config import DB_FILENAME, Settings
from moniqo_desktop.domain import ExitReason, PositionStatus
from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.store import Store

D = Decimal


async def a_position_whose_stop_the_market_has_crossed(db: Path) -> str:
    venue = DemoExchange(prices={"BTC/USDT": D("50000")}, balances={"USDT": D("100000")})
    engine = await Engine.open(db, venue, settings=Settings())
    try:
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                                 stop_loss="45000")
        [position] = engine.positions(open_only=True)
        venue.set_price("BTC/USDT", D("40000"))  # saved at close: the market resumes there
    finally:
        await engine.close()
    return position.id


def test_an_exit_due_at_start_fires_after_the_first_paint(tmp_path: Path):
    db = tmp_path / DB_FILENAME
    position_id = asyncio.run(a_position_whose_stop_the_market_has_crossed(db))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-m", "moniqo_desktop", "--data-dir", str(tmp_path),
                             "--quit-after", "3"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    with Store.open(db) as store:
        position = store.get_position(position_id)
    assert position is not None
    assert position.status is PositionStatus.CLOSED
    assert position.close_reason is ExitReason.STOP_LOSS
    log = (tmp_path / "logs" / "moniqo.log").read_text(encoding="utf-8")
    assert "window painted; the engine's jobs start" in log

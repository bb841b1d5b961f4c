"""The engine's messages (log panel, tray, headless narration) write figures as the window does.

"Order filled: buy 0.1 BTC/USDT @ 50000" beside a table showing "50,000.00" made the trader
compare two spellings of one price. Prices take the market's tick, with thousands separators;
amounts keep their own decimals; money is to the cent, signed.
"""

from __future__ import annotations

from decimal import Decimal

from moniqo_desktop.engine.events import UserMessage
from moniqo_desktop.headless import describe

D = Decimal


def texts(events) -> list[str]:
    return [f"{m.title}: {m.text}" for m in events.of(UserMessage)]


async def test_fill_reduce_and_close_messages_use_the_windows_figures(engine, demo, events):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount=D("1.5"))
    demo.set_price("BTC/USDT", D("51234.5"))
    [position] = engine.positions(open_only=True)
    await engine.close_position(position.id, amount=D("0.5"))
    demo.set_price("BTC/USDT", D("52000"))
    await engine.close_position(position.id)
    said = texts(events)
    assert "Order filled: buy 1.5 BTC/USDT @ 50,000.00" in said
    assert "Order filled: sell 0.5 BTC/USDT @ 51,234.50" in said
    # (51 234.5 − 50 000)·0.5 − 75·0.5/1.5 entry fees − 25.61725 exit fee = 566.63275
    assert "Position reduced: BTC/USDT long now 1 BTC; realized +566.63 USDT" in said
    # + (52 000 − 50 000)·1 − 50 entry fees − 52 exit fee = 2 464.63275 in all
    closed = [t for t in said if t.startswith("Position closed (manual)")]
    assert closed == ["Position closed (manual): BTC/USDT long 1 @ 52,000.00: +2,464.63 USDT"]


async def test_headless_narration_uses_the_windows_figures(engine, demo, events):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount=D("1.5"),
                             stop_loss=D("48000"))
    lines = [describe(e, engine.markets()) for e in events.events]
    fill = next(line for line in lines if line and " fill " in line)
    opened = next(line for line in lines if line and " OPEN " in line)
    assert fill.endswith("BTC/USDT  1.5 @ 50,000.00 fee 75.00 USDT")  # a fee is money
    assert opened.endswith("long 1.5 @ 50,000.00 SL=48,000.00 TP=None trail=None% BE=None%")
    filled = [line for line in lines if line and "→ filled" in line]
    assert filled and filled[-1].endswith("1.5 → filled (fill 1.5 @ 50,000.00)")

"""Child process for the second-instance tests: opens an engine on a data dir and holds it.

    python hold_store.py <db path>

Prints "ready <pid>" once the engine is open, then waits until its stdin closes (or it is
killed), so the test decides exactly how the holder ends.
"""

from __future__ import annotations

import asyncio
import os
import sys
from decimal import Decimal

from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange


async def main(db_path: str) -> None:
    demo = DemoExchange(prices={"BTC/USDT": Decimal("50000")}, balances={"USDT": Decimal(10000)})
    engine = await Engine.open(db_path, demo)
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.01")
    print(f"ready {os.getpid()}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await engine.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

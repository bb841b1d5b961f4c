"""Child process of the crash harness: the engine on the paper venue running the seeded workload
until it is SIGKILLed.

    python crash_child.py <db> <seed>

Prints "ready" once the engine is open (start-up reconciliation done), then one line per step.
"""

from __future__ import annotations

import asyncio
import random
import sys

from moniqo_desktop.config import Settings
from moniqo_desktop.engine import Engine

from workload import paper_venue, step


async def main(db: str, seed: int) -> None:
    venue = paper_venue()
    engine = await Engine.open(db, venue, settings=Settings(update_log_min_seconds=0))
    print("ready", flush=True)
    rng = random.Random(seed)
    n = 0
    while True:
        n += 1
        done = await step(engine, venue, rng)
        print(f"{n} {done}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))

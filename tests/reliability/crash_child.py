"""Child process of the crash harness: the engine on the paper venue running the seeded workload
until it is SIGKILLed.

    python crash_child.py <db> <seed> [die_after_venue_writes]

Prints "ready" once the engine is open (start-up reconciliation done), then one line per step.
With `die_after_venue_writes` = n the child SIGKILLs itself right after the paper venue's n-th
journal transaction (counted after "ready") has committed, i.e. after the venue acted and
before the engine has written a word of it: the window the venue-first order leaves open.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys

from moniqo_desktop.config import Settings
from moniqo_desktop.engine import Engine

from workload import paper_venue, step


def die_after_venue_writes(journal, n: int) -> None:
    """SIGKILL this process as the venue's n-th journal write returns (committed)."""
    record = journal.record
    done = [0]

    def record_then_maybe_die(**changes):
        record(**changes)
        done[0] += 1
        if done[0] >= n:
            print(f"killed after venue write {done[0]}: {len(changes['orders'])} orders",
                  flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    journal.record = record_then_maybe_die


async def main(db: str, seed: int, die_after: int | None = None) -> None:
    venue = paper_venue()
    engine = await Engine.open(db, venue, settings=Settings(update_log_min_seconds=0))
    if die_after is not None:
        die_after_venue_writes(venue._books.journal, die_after)
    print("ready", flush=True)
    rng = random.Random(seed)
    n = 0
    while True:
        n += 1
        done = await step(engine, venue, rng)
        print(f"{n} {done}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]),
                     int(sys.argv[3]) if len(sys.argv) > 3 else None))

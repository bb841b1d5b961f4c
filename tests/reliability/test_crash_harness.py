"""Crash harness: SIGKILL the engine at random moments while it trades on paper; after every
restart the invariants hold (invariants.py).

Short form (CI): 2 data dirs x 5 kills = 10 runs. Full form (MONIQO_RELIABILITY=full): 5 x 10 = 50
runs. Kill moments are seeded delays after start-up; where in the code the kill lands depends on
the machine, which is the point: the invariants must hold wherever it lands.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rel_support import FULL, HERE, child_env
from invariants import check_all

from moniqo_desktop.config import Settings
from moniqo_desktop.engine import Engine

from workload import paper_venue

DIRS, KILLS = (5, 10) if FULL else (2, 5)
RESULTS = os.environ.get("MONIQO_RELIABILITY_RESULTS")
LOGGED_TRACEBACKS: list[int] = []


def run_child_until_killed(db: Path, seed: int, delay: float) -> int:
    """Start the child, let it trade `delay` seconds after it is ready, SIGKILL it; steps done."""
    proc = subprocess.Popen([sys.executable, str(HERE / "crash_child.py"), str(db), str(seed)],
                            env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    if not first.startswith("ready"):
        proc.kill()
        raise AssertionError(f"child did not start: {first!r} {proc.stderr.read()[-3000:]}")
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, err[-3000:]
    # Tracebacks the engine logged and survived are counted, not failed on: the invariants are
    # the judge (see RELIABILITY.md, "Findings", for the one seen: an exit blocked by a pending
    # order). A child that died of one would not have been alive to be killed.
    LOGGED_TRACEBACKS.append(err.count("Traceback"))
    return len(out.splitlines())


async def restart_and_check(db: Path) -> list[str]:
    """Start again as the app would (reconcile), one cycle, then check the invariants."""
    venue = paper_venue()
    engine = await Engine.open(db, venue, settings=Settings())
    try:
        await engine.run_cycle()
        return check_all(engine.ctx.store, venue, engine)
    finally:
        await engine.close()


@pytest.mark.parametrize("series", range(DIRS))
def test_sigkill_at_random_moments_keeps_every_invariant(tmp_path, series):
    rng = random.Random(1000 + series)
    db = tmp_path / "moniqo.sqlite3"
    steps = 0
    report = []
    for kill in range(KILLS):
        delay = rng.uniform(0.1, 2.0)
        steps += run_child_until_killed(db, seed=rng.randrange(1 << 30), delay=delay)
        violations = asyncio.run(restart_and_check(db))
        report.append({"kill": kill, "delay": round(delay, 2), "violations": violations})
        assert violations == [], f"after kill {kill} (delay {delay:.2f}s): {violations}"
    assert steps > KILLS  # the children really traded between kills
    if RESULTS:
        with open(RESULTS, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"test": "crash", "series": series, "runs": KILLS,
                                 "steps": steps, "violations": 0,
                                 "logged_tracebacks": sum(LOGGED_TRACEBACKS[-KILLS:])}) + "\n")


# Venue-first, killed in the gap. DESIGN wants the paper account saved in the same transaction as
# the orders and fills it produced; the venue answers (and journals) before the engine writes, as
# a real exchange does, so the two transactions cannot be one without the venue reaching into the
# engine's (see RELIABILITY.md, "Paper venue and engine: two transactions, venue first"). What
# must hold instead: a kill exactly between the venue's commit and the engine's write leaves
# nothing the restart's reconciliation cannot adopt. Each run dies right after the venue's n-th
# journal write, so every kind of venue change (an order accepted, filled at once, matched on a
# price move, cancelled) is hit in that window, deterministically, not by timing.
GAP_POINTS = range(1, 31) if FULL else (1, 2, 3, 5, 8, 13)


def run_child_until_venue_write(db: Path, seed: int, writes: int) -> str:
    proc = subprocess.Popen([sys.executable, str(HERE / "crash_child.py"), str(db), str(seed),
                             str(writes)], env=child_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, err[-3000:]
    [killed] = [line for line in out.splitlines() if line.startswith("killed after venue write")]
    return killed


def test_a_kill_between_the_venues_commit_and_the_engines_write_is_adopted(tmp_path):
    db = tmp_path / "moniqo.sqlite3"
    kinds: list[str] = []
    for n in GAP_POINTS:
        kinds.append(run_child_until_venue_write(db, seed=7000 + n, writes=n))
        violations = asyncio.run(restart_and_check(db))
        assert violations == [], f"killed after venue write {n}: {violations}"
    assert len(kinds) == len(GAP_POINTS)
    if RESULTS:
        with open(RESULTS, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"test": "crash-gap", "runs": len(kinds), "violations": 0}) + "\n")

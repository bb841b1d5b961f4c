"""Fault soak: thousands of engine cycles on a venue that times out, rate-limits, answers 5xx,
loses answers, says "not found" falsely, reports fills twice and out of order, and fills orders
while a cancel is on its way; the invariants hold throughout and memory stays flat.

Short form (CI): 2 000 cycles. Full form (MONIQO_RELIABILITY=full): 10 000 cycles. The clock
is injected and moves 5 minutes per cycle, so the soak covers a week (short) or a month (full) of
trading and the one-day history window and the 30 s not-found rule really apply; RSS is sampled
every 1 000 cycles.

The invariants are checked in a child process (`check_store.py`) on the store file: checking reads
the whole history, and inside this process its peak (growing with the history) stayed as RSS —
+2.9 MB per 1 000 cycles in the full form while the engine's own memory was flat (RELIABILITY.md,
"Memory").
"""

from __future__ import annotations

import gc
import json
import os
import random
import subprocess
import sys

from fake_clock import FakeClock

from rel_support import FULL, HERE, child_env
from faulty_venue import FaultyVenue, deposit

from moniqo_desktop.config import Settings
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.history import in_memory

from workload import PRICES, step

CYCLES = int(os.environ.get("MONIQO_SOAK_CYCLES") or (10_000 if FULL else 2_000))
# MONIQO_SOAK_STOP_FIRST=1: stop at the first check that finds a violation (seed and cycle printed)
STOP_FIRST = os.environ.get("MONIQO_SOAK_STOP_FIRST") == "1"
SEED = int(os.environ.get("MONIQO_SOAK_SEED") or 12)
SAMPLE_EVERY = 1_000
CHECK_EVERY = 500
RSS_GROWTH_LIMIT_MB = 8.0
RESULTS = os.environ.get("MONIQO_RELIABILITY_RESULTS")


def rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def check_out_of_process(db) -> tuple[list[str], list[str]]:
    """The invariants and trade-id findings, computed by check_store.py in its own process."""
    result = subprocess.run([sys.executable, str(HERE / "check_store.py"), str(db)],
                            env=child_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    return report["violations"], report["trade_id_findings"]


async def test_fault_soak_keeps_invariants_and_memory_flat(tmp_path):
    clock = FakeClock()
    venue = FaultyVenue(prices=PRICES, balances=deposit(), allow_short=False, clock=clock,
                        rate=0.04, seed=SEED)
    settings = Settings(update_log_min_seconds=0, history_in_memory_days=1)
    engine = await Engine.open(tmp_path / "soak.sqlite3", venue, settings=settings, clock=clock)
    rng = random.Random(SEED)
    samples: list[float] = []
    sizes: list[dict[str, int]] = []
    violations: list[str] = []
    findings: set[str] = set()  # #11's part (trade ids), reported, see RELIABILITY.md
    try:
        for cycle in range(1, CYCLES + 1):
            clock.advance(seconds=300)
            await step(engine, venue, rng)
            if cycle % CHECK_EVERY == 0:
                venue.enabled = False  # a quiet cycle to let the engine catch up, then check
                await engine.run_cycle()
                await engine.run_cycle()
                found, trade_id_findings = check_out_of_process(engine.ctx.store.path)
                violations += [f"cycle {cycle}: {v}" for v in found]
                findings.update(trade_id_findings)
                venue.enabled = True
                if found and STOP_FIRST:
                    print(f"soak seed {SEED}: first violation at cycle {cycle}: {found}")
                    if os.environ.get("MONIQO_SOAK_KEEP"):
                        import shutil
                        shutil.copy(engine.ctx.store.path, os.environ["MONIQO_SOAK_KEEP"])
                    break
            if cycle % SAMPLE_EVERY == 0:
                engine.forget_old_history()  # the hourly prune job (hours pass per 40 cycles)
                gc.collect()
                samples.append(rss_mb())
                sizes.append(in_memory(engine.ctx))
    finally:
        await engine.close()
    faults = dict(venue.faults)
    injected = sum(faults.values()) - faults.get("transport", 0)
    if RESULTS:
        with open(RESULTS, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"test": "soak", "cycles": CYCLES, "faults": faults,
                                 "faults_injected": injected, "rss_mb": samples,
                                 "in_memory": sizes, "violations": len(violations),
                                 "trade_id_findings": sorted(findings)[:10],
                                 "trade_id_findings_count": len(findings)}) + "\n")
    assert violations == [], violations[:20]
    assert injected > CYCLES // 50, faults  # the faults really happened
    for kind in ("lost answer", "false not-found", "duplicated fills", "fill after cancel",
                 "RateLimited", "ExchangeUnavailable"):
        assert faults.get(kind, 0) > 0, (kind, faults)
    # flat: after the first sample (imports, caches warmed) memory grows by less than the limit
    growth = samples[-1] - samples[0]
    assert growth < RSS_GROWTH_LIMIT_MB, f"RSS {samples} grew {growth:.1f} MB"
    # and the working set is bounded by the window, not by the history
    assert sizes[-1]["orders"] < 400, sizes

"""Garbage-collector pauses on the GUI thread: none during start-up, short ones after it.

CPython's cyclic collector stops the thread that triggers it. A full (generation 2) collection
walks every tracked object; with a book of 1 000 positions, their orders and the window's Qt
wrappers that is about 170 000 objects, and one such pass held the Qt thread for 100-330 ms
(`bench_lag.py --trace-late`: the worst late step of a 60 s run). Nearly all of those objects
are made at start-up and live as long as the app, so after start-up they are moved to the
permanent generation (`gc.freeze()`, CPython's own advice for long-lived processes): later
collections walk only what was made since, and cycles made since are still collected.

Start-up itself (some 700 modules imported, the engine's working set and the window built:
long-lived objects and almost no garbage cycles) ran about 300 collector passes, 0.2-0.3 s of a
2.5 s start on a loaded machine (#14, start-up time). So the entry point pauses the collector
(`pause_for_start`) and `settle_after_start` turns it back on along with the freeze. Reference
counting frees ordinary garbage all along; only cycles made during start-up wait, and they are
few and small. Importing the package changes nothing: tests and embedding programs keep their
collector as it is.

Freezing is half of it: what the running app makes and keeps is walked by every collection that
sees it, and the time goes on each *reference* followed (a cache miss into a heap of some 200 MB,
~100-250 ns), not on the objects: ~7 000 objects with 80 000 references took 10-40 ms. So what
lives long after start-up keeps few references the collector follows: the engine's pending chart
samples and the paper candles are plain tuples of atoms (untracked by the first collection that
sees them), the window's copy of each position holds only atoms (`ui.position_snapshot`).
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)

_paused = False


def pause_for_start() -> None:
    """Stop automatic collection until `settle_after_start` (nothing if it is already off:
    that is the caller's choice, and it stays off)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def paused() -> bool:
    """Whether start-up has the collector paused."""
    return _paused


def settle_after_start() -> None:
    """Freeze what exists now (the long-lived book, the window, the modules) out of every later
    collection, and turn collection back on if start-up paused it. Safe to call again (the
    entry point does, on every way out).

    No collection first: that alone would be the long pause (and start-up time); the few
    cycles start-up left as garbage stay in memory, once, instead. Nor a count of what was
    frozen: `gc.get_freeze_count()` walks all of it (~200 000 objects, ~13 ms of every start)
    and only a log line wanted it."""
    global _paused
    gc.freeze()
    if _paused:
        _paused = False
        gc.enable()
    log.info("The start-up objects frozen out of garbage collection; collection on")

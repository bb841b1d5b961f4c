"""Garbage-collector pauses on the GUI thread: what the window does once it has started.

CPython's cyclic collector stops the thread that triggers it. A full (generation 2) collection
walks every tracked object; with a book of 1 000 positions, their orders and the window's Qt
wrappers that is about 170 000 objects, and one such pass held the Qt thread for 100-330 ms
(`bench_lag.py --trace-late`: the worst late step of a 60 s run). Nearly all of those objects
are made at start-up and live as long as the app, so after start-up they are moved to the
permanent generation (`gc.freeze()`, CPython's own advice for long-lived processes): later
collections walk only what was made since, and cycles made since are still collected.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def settle_after_start() -> int:
    """Freeze what exists now (the long-lived book, the window, the modules) out of every later
    collection. Returns how many objects are frozen.

    No collection first: that alone would be the long pause (and start-up time); the few
    cycles start-up left as garbage stay in memory, once, instead."""
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("%d start-up objects frozen out of garbage collection", frozen)
    return frozen

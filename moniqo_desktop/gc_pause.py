"""Start-up without the cyclic garbage collector's passes, then the start-up objects set aside.

A start imports some 700 modules and builds the window and the engine's working set: hundreds of
thousands of long-lived objects and almost no garbage cycles. Python's collector does not know
that; it ran about 300 passes during a start (two of them over every object), 0.2-0.3 s of a
2.5 s start on a loaded machine. So a start pauses it (`pause`), and once the window is up (or
the headless engine runs) `resume` moves everything alive into the permanent generation
(`gc.freeze`: later passes never scan those objects again, which also keeps them off the GUI
thread's tick) and turns the collector back on. Reference counting frees ordinary garbage all
along; only reference cycles made during start-up wait, and they are few and small.

Only the entry point (`__main__.main`) pauses; importing the package changes nothing, so tests
and embedding programs keep their collector as it is.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)

_paused = False


def pause() -> None:
    """Stop automatic collection (nothing if it is already off: that is the caller's choice)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Freeze what start-up built and turn collection back on, if `pause` turned it off. Safe
    to call more than once and from every path (only the first call after `pause` acts)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
        log.info("start-up done: %d objects frozen, garbage collection resumed",
                 gc.get_freeze_count())


def paused() -> bool:
    """Whether start-up has the collector paused (tests)."""
    return _paused

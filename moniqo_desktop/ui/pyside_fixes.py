"""Guard against a PySide6 refcount bug that would crash a long-running app.

PySide6 6.12.0 on CPython < 3.12: every `SignalInstance.emit()` called from Python returns
`True` without taking a reference to it, so each emit steals one reference from the `True`
singleton. The UI emits `dataChanged` on every tick, pyqtgraph emits on every `setData`, qasync
emits for thread-safe callbacks: after a few thousand emits `True`'s count reaches zero and the
interpreter aborts ("Fatal Python error: bool_dealloc: deallocating True or False").

CPython 3.12 made `True`/`False` immortal, which is exactly the cure; `apply()` does the same by
hand on older interpreters, and only when a probe shows the bug is present, so a fixed PySide
release or a newer Python makes it a no-op.
"""

from __future__ import annotations

import ctypes
import sys

_IMMORTAL = 1 << 60  # what no amount of stolen references can use up
_applied = False


def emit_steals_true() -> bool:
    """Does `Signal.emit()` drop a reference to `True` it never took? (probe, no side effects)"""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(4):
        probe.ping.emit()
    stolen = before - sys.getrefcount(True)
    if stolen > 0:  # give back what the probe itself took
        _add_refs(True, stolen)
    return stolen > 0


def _add_refs(obj: object, n: int) -> None:
    ctypes.c_ssize_t.from_address(id(obj)).value += n


def apply() -> bool:
    """Make `True` and `False` effectively immortal if (and only if) this PySide needs it.

    Returns True when the guard was installed. Safe to call many times.
    """
    global _applied
    if _applied or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return _applied
    if emit_steals_true():
        for singleton in (True, False):
            _add_refs(singleton, _IMMORTAL)
        _applied = True
    return _applied

"""The desktop GUI (PySide6 + pyqtgraph): shows engine events, turns clicks into engine calls.

Importing the package installs the PySide6 refcount guard (see `pyside_fixes`) before any widget
can emit a signal.
"""

from . import pyside_fixes

pyside_fixes.apply()

"""A table header whose sort arrow points the way traders read it: ▲ ascending, ▼ descending.

Qt's `QHeaderView` asks the style for `SortDown` when the order is ascending (the Windows 95
reading: the values grow going down), so a table sorted smallest-first showed ▼. Spreadsheets,
file managers and trading terminals read the arrow the other way round, so this header swaps
the two before the style paints; the order itself (`sortIndicatorOrder`) is untouched.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QStyleOptionHeader

_Indicator = QStyleOptionHeader.SortIndicator
_SWAPPED = {_Indicator.SortUp: _Indicator.SortDown, _Indicator.SortDown: _Indicator.SortUp}


class SortHeader(QHeaderView):
    """A horizontal `QHeaderView` with the arrow convention above."""

    def initStyleOptionForIndex(self, option: QStyleOptionHeader, logicalIndex: int) -> None:
        super().initStyleOptionForIndex(option, logicalIndex)
        option.sortIndicator = _SWAPPED.get(option.sortIndicator, option.sortIndicator)

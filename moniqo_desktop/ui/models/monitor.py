"""One generic monitor table: rows are live objects keyed by id, columns are data.

Following vnpy's monitor idea, a table is a list of `Column` declarations (header, how to get
the value, what kind of cell it is) and this single model does the rest. An engine event carries
one object; `upsert` finds its row by id and emits `dataChanged` for that row only, so a price
tick repaints one line instead of resetting the table (and losing selection and scroll).

Sorting lives here, not in the proxy: Qt's proxy sorts by calling `lessThan` (Python) for every
pair it compares and, when dynamic, again on every change, which with 1 000 positions held the
Qt thread for hundreds of milliseconds per tick. The model sorts its own rows in one Python
`sorted()` over precomputed keys, at most once per burst of changes (a new row goes straight
to its place), and tells the views only when the order really changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from operator import attrgetter
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)

from .. import theme
from ...domain.figures import fmt_money
from ..formatting import (
    fmt_amount,
    fmt_decimal,
    fmt_duration,
    fmt_enum,
    fmt_percent,
    fmt_price,
    fmt_time,
)

SortRole = Qt.ItemDataRole.UserRole + 1  # raw value, comparable (see `sort_key`)
IdRole = Qt.ItemDataRole.UserRole + 2  # the row object's id
ObjectRole = Qt.ItemDataRole.UserRole + 3  # the row object itself
ActionRole = Qt.ItemDataRole.UserRole + 4  # action column: button label, or None if disabled

Index = QModelIndex | QPersistentModelIndex

_CELL_FLAGS = (Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
               | Qt.ItemFlag.ItemNeverHasChildren)
"""What `QAbstractTableModel.flags` gives every cell (MonitorModel keeps Qt's)."""
_NO_FLAGS = Qt.ItemFlag.NoItemFlags

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ACTION = int(ActionRole)
_VALUE = -1  # (column, _VALUE) in a row's cache: the raw value its roles come from
_PAINT = -2  # (column, _PAINT) in a row's cache: what the cell delegate paints (`cell`)
_ANSWERED = frozenset({_DISPLAY, _ALIGNMENT, _FOREGROUND, _TOOLTIP, _ACTION, int(SortRole),
                       int(IdRole), int(ObjectRole)})
"""The roles the model answers; Qt's others (font, decoration, background, ...) are None."""


class CellKind(str, Enum):
    TEXT = "text"
    DECIMAL = "decimal"  # fixed or automatic places
    PRICE = "price"  # a price of the row's `symbol`, with that market's precision
    AMOUNT = "amount"  # quantity: the decimals it carries
    PNL = "pnl"  # signed, green/red; money in the row's quote currency
    MONEY = "money"  # unsigned money in the row's quote currency (fees)
    PERCENT = "percent"  # unsigned percent
    SIGNED_PERCENT = "signed_percent"  # signed percent, green/red
    ENUM = "enum"  # badge: coloured by its value
    TIME = "time"
    DURATION = "duration"
    ACTION = "action"  # a button drawn by `ActionDelegate`


NUMERIC_KINDS = frozenset({CellKind.DECIMAL, CellKind.PRICE, CellKind.AMOUNT, CellKind.PNL,
                           CellKind.MONEY, CellKind.PERCENT,
                           CellKind.SIGNED_PERCENT, CellKind.DURATION})


@dataclass(frozen=True)
class Column:
    """How one column reads and shows a row object.

    `get` is an attribute name (dotted paths allowed) or a callable `obj -> value`. `places` is
    the decimals for DECIMAL/PRICE/PNL cells (None: by magnitude, or the market's tick for
    PRICE). `action` gives the button
    label for ACTION cells, or None where the row has no such action (e.g. a filled order).
    `display` overrides the text (e.g. "Closed · manual") while the value still sorts and colours.

    `live` marks a value that follows the last prices (true for the rows where it does, e.g.
    open positions): while the model's prices are stale (`MonitorModel.set_stale`) such a cell
    is dimmed, carries a ⚠ and says in its tooltip how old it is, so an old figure never looks
    like a live one.

    `visible` is whether the column shows on a first run (and after "Reset columns"); the
    trader can show or hide any column from the header's menu, except those with
    `hideable=False` (the action button, the symbol). `label` names the column in that menu
    when the header is blank or terse.
    """

    key: str
    header: str
    get: str | Callable[[Any], Any] | None = None
    kind: CellKind = CellKind.TEXT
    places: int | None = None
    tooltip: Callable[[Any], str | None] | None = None
    action: Callable[[Any], str | None] | None = None
    width: int | None = None
    header_tip: str | None = None
    display: Callable[[Any], str] | None = None  # text from the object; kind still colours
    visible: bool = True  # shown by default (first run, "Reset columns")
    hideable: bool = True  # False: always shown, greyed out in the column menu
    label: str | None = None  # name in the column menu; defaults to the header
    live: Callable[[Any], bool] | None = None  # the row's value follows the last prices

    def __post_init__(self) -> None:
        if not self.visible and not self.hideable:
            raise ValueError(f"column {self.key!r} is hidden by default but cannot be shown")

    @property
    def menu_label(self) -> str:
        return self.label or self.header or self.key

    def value(self, obj: Any) -> Any:
        getter = self.get if self.get is not None else self.key
        if callable(getter):
            return getter(obj)
        return attrgetter(getter)(obj)

    def text(self, value: Any, obj: Any = None) -> str:
        """The cell text; `obj` (the row) gives PRICE cells their symbol."""
        k = self.kind
        if value is None:
            return ""
        if k is CellKind.DECIMAL:
            return fmt_decimal(value, self.places)
        if k is CellKind.PRICE:
            if self.places is not None:
                return fmt_decimal(value, self.places)
            return fmt_price(value, getattr(obj, "symbol", None))
        if k is CellKind.AMOUNT:
            return fmt_amount(value)
        if k is CellKind.PNL or k is CellKind.MONEY:  # to the cent, or a coin's decimals
            sign = k is CellKind.PNL
            if self.places is not None:
                return fmt_decimal(value, self.places, sign=sign)
            return fmt_money(value, sign=sign, currency=getattr(obj, "quote", None))
        if k is CellKind.PERCENT:
            return fmt_percent(value, 2 if self.places is None else self.places, sign=False)
        if k is CellKind.SIGNED_PERCENT:
            return fmt_percent(value, 2 if self.places is None else self.places, sign=True)
        if k is CellKind.ENUM:
            return fmt_enum(value)
        if k is CellKind.TIME:
            return fmt_time(value)
        if k is CellKind.DURATION:
            return fmt_duration(value)
        if k is CellKind.ACTION:
            return ""
        return str(value)


def sort_key(value: Any) -> Any:
    """A Qt-friendly comparable for the sort role: numbers stay numbers, times become seconds.

    (Floats here only order rows; they are never shown.)
    """
    if value is None:
        return None
    if isinstance(value, Enum):
        members = list(type(value))
        return members.index(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, (int, float)):
        return value
    return str(value).lower()


def ordering_key(value: Any) -> tuple:
    """`sort_key` made total: blanks first (ascending), then values in their own order."""
    key = sort_key(value)
    return (0,) if key is None else (1, key)


STALE_MARK = " ⚠"
"""Appended to a live cell's text while prices are stale (as the order form's "Last" does)."""

RESORT_MS = 500
"""How long a changed sort value may wait for its row to move: changes within it are one
re-sort (a tick moves 50 rows; the order is fixed once, not 50 times)."""


class MonitorModel(QAbstractTableModel):
    """Rows are objects with an id; `upsert` repaints exactly one row."""

    def __init__(
        self,
        columns: Sequence[Column],
        key: Callable[[Any], str] = attrgetter("id"),
        parent: Any = None,
        dimmed: Callable[[Any], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns: tuple[Column, ...] = tuple(columns)
        self._key = key
        self.dimmed = dimmed  # rows drawn in the muted colour (e.g. closed positions)
        self._rows: list[Any] = []
        self._row_of: dict[str, int] = {}
        # row -> {(column, role): answer}: what `data` worked out, until the row changes
        self._cells: dict[int, dict[tuple[int, int], Any]] = {}
        self._sort: tuple[int, Qt.SortOrder] | None = None  # column, order
        self._live = [i for i, c in enumerate(self.columns) if c.live is not None]
        # while prices are stale: what the live cells' tooltips say (read when one shows, so
        # its ages are current without a timer); None while prices are fresh
        self._stale_note: Callable[[], str] | None = None
        self._resort = QTimer(self)
        self._resort.setSingleShot(True)
        self._resort.setInterval(RESORT_MS)
        self._resort.timeout.connect(self.apply_sort)

    # -- Qt model API -----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.header
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.header_tip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._alignment(column)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Qt asks for about eight roles per cell on every paint: a cell's answers are worked
        out once and kept until its row changes (`upsert`), and roles no cell shows cost
        nothing. (Formatting anew on each paint made a repaint of six rows 25 ms of CPU.)"""
        if not index.isValid():
            return None
        role = int(role)
        if role not in _ANSWERED:
            return None
        row = index.row()
        if role == _TOOLTIP and self._stale_note is not None:  # never kept: its ages grow
            column = self.columns[index.column()]
            if self._marked(column, self._rows[row]):
                own = column.tooltip(self._rows[row]) if column.tooltip else None
                return self._stale_note() + (f"\n{own}" if own else "")
        if role == ObjectRole:
            return self._rows[row]
        if role == IdRole:
            return self._key(self._rows[row])
        cells = self._cells.get(row)
        if cells is None:
            cells = self._cells[row] = {}
        at = (index.column(), role)
        try:
            return cells[at]
        except KeyError:
            answer = cells[at] = self._answer(self._rows[row], index.column(), role, cells)
            return answer

    def cell(self, row: int, col: int) -> tuple[str, Qt.AlignmentFlag, Any]:
        """What a painted cell shows: (text, alignment, colour or None), in one call; the
        text of an ACTION cell is its button's label ("" where the row has no such action).

        The table's delegate paints from this instead of Qt's `initStyleOption`, which asks
        `data()` for about eight roles per cell through the proxy (each one a Python call, and
        two more for the proxy's `index()` check): a paint of 8 rows x 13 columns cost
        ~20 ms. Kept with the row's other answers, so it follows every change they follow
        (`upsert`, the Held refresh, stale prices, sorting, a theme change)."""
        cells = self._cells.get(row)
        if cells is None:
            cells = self._cells[row] = {}
        at = (col, _PAINT)
        try:
            return cells[at]
        except KeyError:
            pass
        obj = self._rows[row]
        shown = []
        text_role = _ACTION if self.columns[col].kind is CellKind.ACTION else _DISPLAY
        for role in (text_role, _FOREGROUND):
            try:
                shown.append(cells[(col, role)])
            except KeyError:
                answer = cells[(col, role)] = self._answer(obj, col, role, cells)
                shown.append(answer)
        answer = cells[at] = (shown[0] or "", Qt.AlignmentFlag(self._alignment(self.columns[col])),
                              shown[1])
        return answer

    def _answer(self, obj: Any, col: int, role: int, cells: dict[tuple[int, int], Any]) -> Any:
        column = self.columns[col]
        if role == _ACTION:
            return column.action(obj) if column.action else None
        if role == _ALIGNMENT:
            return self._alignment(column)
        if role == _TOOLTIP:
            return column.tooltip(obj) if column.tooltip else None
        try:  # the cell's value, once for all its roles
            value = cells[(col, _VALUE)]
        except KeyError:
            try:
                value = column.value(obj)
            except Exception:  # a half-built object must not break painting
                value = None
            cells[(col, _VALUE)] = value
        if role == _DISPLAY:
            text = column.display(obj) if column.display else column.text(value, obj)
            return text + STALE_MARK if text and self._marked(column, obj) else text
        if role == SortRole:
            return sort_key(value)
        # the foreground
        if (self.dimmed is not None and self.dimmed(obj)) or self._marked(column, obj):
            return theme.current().color("muted")
        return self._colour(column, value)

    def _marked(self, column: Column, obj: Any) -> bool:
        """A live value shown while the prices are stale."""
        return self._stale_note is not None and column.live is not None and column.live(obj)

    @staticmethod
    def _alignment(column: Column) -> int:
        if column.kind in NUMERIC_KINDS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if column.kind is CellKind.ACTION:
            return int(Qt.AlignmentFlag.AlignCenter)
        return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

    @staticmethod
    def _colour(column: Column, value: Any) -> Any:
        if value is None:
            return None
        if column.kind in (CellKind.PNL, CellKind.SIGNED_PERCENT):
            return theme.pnl_colour(value)
        if column.kind is CellKind.ENUM:
            return theme.badge_colour(value)
        return None

    # -- rows by id -------------------------------------------------------------------------
    def row_of(self, obj_id: str) -> int | None:
        return self._row_of.get(obj_id)

    def get(self, obj_id: str) -> Any | None:
        row = self._row_of.get(obj_id)
        return None if row is None else self._rows[row]

    def object_at(self, row: int) -> Any:
        return self._rows[row]

    def id_at(self, row: int) -> str:
        return self._key(self._rows[row])

    def objects(self) -> list[Any]:
        return list(self._rows)

    def column_index(self, key: str) -> int:
        for i, column in enumerate(self.columns):
            if column.key == key:
                return i
        raise KeyError(key)

    def upsert(self, obj: Any) -> int:
        """Insert `obj` (at its sorted place) or refresh its row; returns the row. Emits for
        that row only; a changed sort value moves the row at the next re-sort."""
        obj_id = self._key(obj)
        row = self._row_of.get(obj_id)
        if row is None:
            row = self._insert_row_for(obj)
            self.beginInsertRows(QModelIndex(), row, row)
            self._cells.clear()  # rows below move down
            self._rows.insert(row, obj)
            if row == len(self._rows) - 1:
                self._row_of[obj_id] = row
            else:
                self._reindex(row)
            self.endInsertRows()
            return row
        self._rows[row] = obj
        self._cells.pop(row, None)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))
        if self._sort is not None and not self._resort.isActive():
            self._resort.start()
        return row

    def _reindex(self, start: int = 0) -> None:
        key = self._key
        for i in range(start, len(self._rows)):
            self._row_of[key(self._rows[i])] = i

    def remove(self, obj_id: str) -> bool:
        row = self._row_of.get(obj_id)
        if row is None:
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        self._cells.clear()
        del self._rows[row]
        del self._row_of[obj_id]
        self._reindex(row)
        self.endRemoveRows()
        return True

    def reset(self, objs: Iterable[Any]) -> None:
        """Replace everything: for the first load only, never for a tick."""
        self.beginResetModel()
        self._cells.clear()
        self._rows = self._sorted(list(objs))
        self._row_of = {self._key(o): i for i, o in enumerate(self._rows)}
        self.endResetModel()

    def refresh_column(self, key: str) -> None:
        """Repaint one column in every row (time held ticks on its own, without events).

        Display roles only: nothing a filter judges changes, so no row is re-filtered; the
        order is checked at the next re-sort if this is the sort column."""
        if not self._rows:
            return
        col = self.column_index(key)
        for cells in self._cells.values():
            for at in [at for at in cells if at[0] == col]:
                del cells[at]
        self.dataChanged.emit(self.index(0, col), self.index(len(self._rows) - 1, col),
                              [Qt.ItemDataRole.DisplayRole, SortRole])
        if self._sort is not None and self._sort[0] == col and not self._resort.isActive():
            self._resort.start()

    def set_stale(self, note: Callable[[], str] | None) -> None:
        """Prices went stale (`note` says how old, when a tooltip asks) or fresh again (None).

        A model-wide flag: only a change of it repaints, once, the live columns of every row
        (no work per tick or per row); a row updated meanwhile is drawn with the flag as it is."""
        was = self._stale_note is not None
        self._stale_note = note
        if (note is not None) == was or not self._live or not self._rows:
            return
        live = set(self._live)
        for cells in self._cells.values():
            for at in [at for at in cells if at[0] in live and at[1] != _VALUE]:
                del cells[at]
        self.dataChanged.emit(self.index(0, min(live)),
                              self.index(len(self._rows) - 1, max(live)),
                              [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole,
                               Qt.ItemDataRole.ToolTipRole])

    # -- sorting ----------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Qt's entry point (a header click, through the proxy): sort now, keep it sorted."""
        self._sort = (column, order) if 0 <= column < len(self.columns) else None
        self.apply_sort()

    @property
    def sort_column(self) -> int:
        return -1 if self._sort is None else self._sort[0]

    def _sort_keys(self, rows: Sequence[Any]) -> list[tuple]:
        assert self._sort is not None
        column = self.columns[self._sort[0]]
        keys = []
        for obj in rows:
            try:
                keys.append(ordering_key(column.value(obj)))
            except Exception:  # a half-built object sorts as a blank
                keys.append((0,))
        return keys

    def _order(self, rows: Sequence[Any]) -> list[int]:
        """Row positions in sorted order; stable, so equal values never swap places."""
        keys = self._sort_keys(rows)
        descending = self._sort is not None and self._sort[1] == Qt.SortOrder.DescendingOrder
        try:
            return sorted(range(len(rows)), key=keys.__getitem__, reverse=descending)
        except TypeError:  # mixed kinds in one column: compare as text
            text = [(k[0], str(k[1:])) for k in keys]
            return sorted(range(len(rows)), key=text.__getitem__, reverse=descending)

    def _sorted(self, rows: list[Any]) -> list[Any]:
        if self._sort is None or len(rows) < 2:
            return rows
        return [rows[i] for i in self._order(rows)]

    def _insert_row_for(self, obj: Any) -> int:
        """Where a new row goes: its sorted place (log n keys), or the end when unsorted."""
        if self._sort is None or not self._rows:
            return len(self._rows)
        descending = self._sort[1] == Qt.SortOrder.DescendingOrder
        new = self._sort_keys([obj])[0]
        sign = -1 if descending else 1

        def before(i: int) -> bool:  # row i sorts at or before the new one
            key = self._sort_keys([self._rows[i]])[0]
            try:
                return key <= new if sign > 0 else key >= new
            except TypeError:
                return str(key) <= str(new) if sign > 0 else str(key) >= str(new)

        return _first_false(before, len(self._rows))

    def apply_sort(self) -> bool:
        """Put the rows in order now; emits a layout change only if a row moved."""
        self._resort.stop()
        if self._sort is None or len(self._rows) < 2:
            return False
        order = self._order(self._rows)
        if all(i == new for new, i in enumerate(order)):
            return False
        self.layoutAboutToBeChanged.emit()
        new_row = {old: new for new, old in enumerate(order)}
        persistent = self.persistentIndexList()
        self.changePersistentIndexList(
            persistent, [self.index(new_row[i.row()], i.column()) for i in persistent])
        self._rows = [self._rows[i] for i in order]
        self._cells.clear()
        self._reindex()
        self.layoutChanged.emit()
        return True

    def refresh_all(self) -> None:
        """Repaint every cell (a theme change recolours badges)."""
        self._cells.clear()
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(self.columns) - 1))


def _first_false(before: Callable[[int], bool], n: int) -> int:
    """The first i in [0, n) where `before(i)` is False (it is True, then False): a bisection."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if before(mid):
            lo = mid + 1
        else:
            hi = mid
    return lo


class MonitorProxy(QSortFilterProxyModel):
    """Filters with a plain predicate on the row object; sorting is the model's (`sort`).

    Not dynamic: Qt would re-run the filter on every row of every `dataChanged` (the whole
    table each second for the "Held" column). A row's own update (`upsert`) is judged again
    alone, and the filter re-runs over the table only when that row's verdict changed.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SortRole)
        self.setDynamicSortFilter(False)
        self._predicate: Callable[[Any], bool] | None = None
        # proxy row -> source row, filled as rows are painted; forgotten on any change of
        # the mapping (connected here, first, so no view can paint from an old one)
        self._source_rows: dict[int, int] = {}
        for changed in (self.rowsInserted, self.rowsRemoved, self.rowsMoved, self.layoutChanged,
                        self.modelReset, self.layoutAboutToBeChanged,
                        self.rowsAboutToBeRemoved, self.rowsAboutToBeInserted,
                        self.modelAboutToBeReset):
            changed.connect(self._forget_rows)

    def _forget_rows(self, *_: object) -> None:
        self._source_rows.clear()

    def source_row(self, proxy_row: int) -> int:
        """The model row shown at `proxy_row`: a dict lookup while the rows stay put (Qt's
        `mapToSource` asks the model's rowCount and columnCount, two Python calls)."""
        try:
            return self._source_rows[proxy_row]
        except KeyError:
            row = self._source_rows[proxy_row] = self.mapToSource(self.index(proxy_row, 0)).row()
            return row

    def setSourceModel(self, model: QAbstractItemModel) -> None:  # noqa: N802
        old = self.sourceModel()
        if old is not None:
            old.dataChanged.disconnect(self._judge_changed_rows)
            for changed in self._structure_signals(old):
                changed.disconnect(self._forget_rows)
        super().setSourceModel(model)
        model.dataChanged.connect(self._judge_changed_rows)
        # a row the filter hides, inserted or removed, moves the shown ones without a word
        # from the proxy
        for changed in self._structure_signals(model):
            changed.connect(self._forget_rows)
        self._forget_rows()

    @staticmethod
    def _structure_signals(model: QAbstractItemModel) -> tuple:
        return (model.rowsInserted, model.rowsRemoved, model.rowsMoved, model.layoutChanged,
                model.modelReset)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, MonitorModel):
            model.sort(column, order)  # rows arrive in order; the proxy keeps them so
        else:
            super().sort(column, order)

    def set_predicate(self, predicate: Callable[[Any], bool] | None) -> None:
        self._predicate = predicate
        self.refilter()

    def refilter(self) -> None:
        """Judge every row again (a filter changed, or a row's verdict did)."""
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9: invalidateFilter is deprecated
            self.beginFilterChange()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateFilter()

    def _judge_changed_rows(self, top_left: QModelIndex, bottom_right: QModelIndex,
                            roles: Sequence[int] = ()) -> None:
        if roles or self._predicate is None:  # display-only refreshes cannot change a verdict
            return
        model = self.sourceModel()
        assert isinstance(model, MonitorModel)
        for row in range(top_left.row(), bottom_right.row() + 1):
            shown = self.mapFromSource(model.index(row, 0)).isValid()
            if self._predicate(model.object_at(row)) != shown:
                self.refilter()
                return

    def flags(self, index: Index) -> Qt.ItemFlag:
        """The model's flags (every cell alike), without Qt's trip through `mapToSource`: the
        view asks for every cell it paints, and the trip asks the model's rowCount and
        columnCount, two Python calls per cell."""
        return _CELL_FLAGS if index.isValid() else _NO_FLAGS

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if self._predicate is None:
            return True
        model = self.sourceModel()
        assert isinstance(model, MonitorModel)
        return self._predicate(model.object_at(source_row))

    def lessThan(self, left: Index, right: Index) -> bool:
        a = left.data(SortRole)
        b = right.data(SortRole)
        if a is None or b is None:
            return a is None and b is not None
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)

    def object_at(self, proxy_row: int) -> Any:
        source = self.mapToSource(self.index(proxy_row, 0))
        model = self.sourceModel()
        assert isinstance(model, MonitorModel)
        return model.object_at(source.row())

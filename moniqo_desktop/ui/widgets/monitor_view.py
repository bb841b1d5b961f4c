"""The table view every monitor uses: sorting proxy, compact rows, action buttons, a column
chooser on the header's right-click menu, saved widths and column choices."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QByteArray, QModelIndex, QPoint, QSettings, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontMetrics,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QStaticText,
    QTransform,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionFocusRect,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from .. import theme
from ..coalesce import Coalesced
from ..models.monitor import CellKind, IdRole, MonitorModel, MonitorProxy
from .action_delegate import ActionDelegate
from .sort_header import SortHeader


_PANEL = QStyle.PrimitiveElement.PE_PanelItemViewItem
_FOCUS = QStyle.PrimitiveElement.PE_FrameFocusRect
_HAS_FOCUS = QStyle.StateFlag.State_HasFocus
_RIGHT = int(Qt.AlignmentFlag.AlignRight)
_HCENTER = int(Qt.AlignmentFlag.AlignHCenter)
_ELIDE = Qt.TextElideMode.ElideRight
_TEXT_COLOUR = (QPalette.ColorGroup.Active, QPalette.ColorRole.Text)
TEXTS_KEPT = 4000
"""Prepared texts a table keeps (a few screens of cells); more starts the cache afresh."""


class KeepColourDelegate(QStyledItemDelegate):
    """Paints a cell from the model's cache (`MonitorModel.cell`), in its own colour even when
    selected (green/red P&L, risk, side, status).

    Qt's path asked the model about eight roles per cell through the proxy on every paint
    (each a Python call, and two more for the proxy's `index()` check), then laid the text out
    anew (itemize, shape, elide: half the native time of a repaint): with 8 rows x 13 columns
    on screen a repaint cost ~20 ms of the GUI thread. Here a cell is one Python call: the
    style draws the cell's panel (selection, hover) and focus frame as Qt's own path does,
    and the text is a `QStaticText` laid out once per text, drawn at Qt's place for it (the
    style's text margin, the column's alignment, vertically centred, elided on the right when
    the column is too narrow).

    Qt paints selected text in the palette's HighlightedText, so the row a trader has selected
    (often the only one) would lose exactly the colours that matter most: a cell is drawn in
    its own colour whatever its state. (`initStyleOption`, Qt's path, does the same for
    callers that use it: size hints, accessibility.)
    """

    def __init__(self, view: "MonitorView") -> None:
        super().__init__(view)
        self._view = view
        # (text, room) -> (prepared text, its width, its height); room None: not elided
        self._texts: dict[tuple[str, int | None], tuple[QStaticText, int, int]] = {}
        self._font_key: str = ""
        self._font = QFont()
        self._style: QStyle | None = None  # set by `begin`, once per paint
        self._text_colour = QColor()
        self._focus: tuple[int, int] | None = None
        # Qt's margin either side of a cell's text: the style's focus frame margin + 1
        self._margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin,
                                                None, view) + 1

    def begin(self) -> None:
        """What every cell of one paint shares, looked up once per paint instead of per cell
        (the style, the text colour, the font's prepared texts, the cell with focus)."""
        view = self._view
        self._style = view.style()
        self._text_colour = view.palette().color(*_TEXT_COLOUR)
        font = view.viewport().font()
        key = font.key()
        if key != self._font_key or len(self._texts) > TEXTS_KEPT:
            self._texts.clear()  # a new font (theme, zoom) or a full cache: start afresh
            self._font_key = key
            self._font = font
        current = view.currentIndex()
        self._focus = ((current.row(), current.column())
                       if current.isValid() and (view.hasFocus() or view.viewport().hasFocus())
                       else None)

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        if self._style is None:  # painted outside the view's paintEvent
            self.begin()
        row, col = index.row(), index.column()
        text, alignment, colour = self._view.cell_at(row, col)
        style = self._style
        style.drawPrimitive(_PANEL, option, painter, self._view)  # selection, hover
        rect = option.rect
        if text:
            x, y, width, height = rect.x(), rect.y(), rect.width(), rect.height()
            margin = self._margin
            static, w, h = self._static(text, width - 2 * margin)
            flags = int(alignment)
            if flags & _RIGHT:
                left = x + width - margin - w
            elif flags & _HCENTER:
                left = x + (width - w) // 2
            else:
                left = x + margin
            painter.setPen(self._text_colour if colour is None else colour)
            painter.drawStaticText(left, y + (height - h) // 2, static)
        if self._focus == (row, col):  # as Qt draws the current cell of a focused view
            focus = QStyleOptionFocusRect()
            focus.rect = rect
            focus.state = option.state
            focus.palette = option.palette
            style.drawPrimitive(_FOCUS, focus, painter, self._view)

    def _static(self, text: str, room: int) -> tuple[QStaticText, int, int]:
        """`text` laid out once (elided to `room` pixels when wider), with its size."""
        texts = self._texts
        try:
            whole = texts[(text, None)]
        except KeyError:
            whole = texts[(text, None)] = _prepared(text, self._font)
        if whole[1] <= room:
            return whole
        try:
            return texts[(text, room)]
        except KeyError:
            elided = QFontMetrics(self._font).elidedText(text, _ELIDE, max(room, 0))
            short = texts[(text, room)] = _prepared(elided, self._font)
            return short

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        foreground = option.palette.brush(QPalette.ColorGroup.Active, QPalette.ColorRole.Text)
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            option.palette.setBrush(group, QPalette.ColorRole.HighlightedText, foreground)


def _prepared(text: str, font: QFont) -> tuple[QStaticText, int, int]:
    static = QStaticText(text)
    static.setTextFormat(Qt.TextFormat.PlainText)
    static.prepare(QTransform(), font)
    size = static.size()
    return static, round(size.width()), round(size.height())


REPAINT_MS = 200
"""How often a table repaints rows that changed. Prices tick 20 times a second, and a repaint of
the visible rows is one step of the Qt thread of several ms (Python answers every cell), so the
changes within this interval share one repaint, and changes to rows off screen cause none."""


class MonitorView(QTableView):
    """A `QTableView` over a `MonitorProxy`; `actionTriggered(column_key, id)` for buttons."""

    actionTriggered = Signal(str, str)
    currentIdChanged = Signal(object)  # id of the selected row, or None

    def __init__(self, model: MonitorModel, object_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.source_model = model
        self.proxy = MonitorProxy(self)
        self.proxy.setSourceModel(model)
        # connected before setModel, so these run before the selection model's own handler
        # (which would move the current row to a neighbour when the current one leaves)
        self._leaving = False
        self.proxy.rowsAboutToBeRemoved.connect(self._on_rows_about_to_be_removed)
        self.proxy.rowsRemoved.connect(self._on_rows_removed)
        self.setHorizontalHeader(SortHeader(Qt.Orientation.Horizontal, self))  # ▲ = ascending
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        # Tab moves on to the next control (as everywhere else), not to the next cell
        self.setTabKeyNavigation(False)
        # the menu key (or Shift+F10) opens the row menu of the current row, as a right click
        # opens it under the mouse
        for keys in (QKeySequence(Qt.Key.Key_Menu), QKeySequence("Shift+F10")):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self._menu_for_current_row)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setMouseTracking(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vh = self.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 10)
        hh = self.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setStretchLastSection(False)
        hh.setSectionsMovable(True)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._colour_delegate = KeepColourDelegate(self)
        self.setItemDelegate(self._colour_delegate)
        self._delegates: list[ActionDelegate] = []
        for col, column in enumerate(model.columns):
            if column.kind is CellKind.ACTION:
                delegate = ActionDelegate(self)
                delegate.triggered.connect(
                    lambda obj_id, key=column.key: self.actionTriggered.emit(key, obj_id))
                self.setItemDelegateForColumn(col, delegate)
                self._delegates.append(delegate)
        self.selectionModel().currentRowChanged.connect(self._on_current_changed)
        # the header's own menu: the column chooser (and no row menu from the table behind it)
        hh.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        hh.customContextMenuRequested.connect(self._show_column_menu)
        self.column_menu: QMenu | None = None  # the one open, for tests
        self.reset_columns()
        self.repaint_changes = Coalesced(self.viewport().update, self, REPAINT_MS)
        # opaque: the view fills its own background (`paintEvent`), so a repaint of rows is
        # that, not also the panel, the splitters and the main window behind the viewport
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        """The viewport's background (the table's colour, below the last row and right of
        the last column; the cells paint their own), then Qt's painting of the cells."""
        painter = QPainter(self.viewport())
        painter.fillRect(event.rect(), QColor(theme.current().base))
        painter.end()
        self._colour_delegate.begin()
        super().paintEvent(event)

    def cell_at(self, proxy_row: int, col: int) -> tuple[str, int, Any]:
        """(text, alignment, colour) of the cell shown at `proxy_row`, `col`: what the
        delegates paint."""
        return self.source_model.cell(self.proxy.source_row(proxy_row), col)

    def object_id_at(self, proxy_row: int) -> str:
        return self.source_model.id_at(self.proxy.source_row(proxy_row))

    def dataChanged(self, top_left: QModelIndex, bottom_right: QModelIndex,  # noqa: N802
                    roles: Sequence[int] = ()) -> None:
        """Rows changed: one repaint per `REPAINT_MS` for all of them, and only when one of
        them is on screen (Qt would repaint the viewport on every change)."""
        if self.repaint_changes.pending:
            return
        viewport_height = self.viewport().height()
        top = self.rowViewportPosition(top_left.row())
        bottom = self.rowViewportPosition(bottom_right.row()) + self.rowHeight(bottom_right.row())
        if bottom >= 0 and top < viewport_height:
            self.repaint_changes.request()

    def _menu_for_current_row(self) -> None:
        index = self.currentIndex()
        if index.isValid():
            self.customContextMenuRequested.emit(self.visualRect(index).center())

    def size_columns(self) -> None:
        """Widths from the header text and a sample figure, so numbers never clip."""
        fm = self.fontMetrics()
        bold = QFont(self.horizontalHeader().font())
        bold.setWeight(QFont.Weight.DemiBold)  # headers are drawn at weight 600
        header_fm = QFontMetrics(bold)
        header_room = theme.HEADER_PAD + theme.HEADER_ARROW_ROOM + 4
        for col, column in enumerate(self.source_model.columns):
            if column.width is not None:
                width = column.width
            else:
                sample = {
                    CellKind.DECIMAL: "00,000.0000", CellKind.PRICE: "00,000.0000",
                    CellKind.PNL: "+0,000.00", CellKind.MONEY: "0,000.00",
                    CellKind.AMOUNT: "0.000000", CellKind.TIME: "00:00:00",
                    CellKind.DURATION: "000d 00:00:00", CellKind.PERCENT: "00.00 %",
                    CellKind.SIGNED_PERCENT: "+00.00 %", CellKind.ENUM: "Medium",
                }.get(column.kind, "BTC/USDT")
                width = max(fm.horizontalAdvance(sample) + 12,
                            header_fm.horizontalAdvance(column.header) + header_room)
            self.setColumnWidth(col, width)  # a hidden section keeps it for when it shows

    # -- column chooser ---------------------------------------------------------------------
    def is_column_visible(self, key: str) -> bool:
        return not self.isColumnHidden(self.source_model.column_index(key))

    def visible_column_keys(self) -> list[str]:
        """Keys of the shown columns, in the order they appear on screen."""
        hh = self.horizontalHeader()
        columns = self.source_model.columns
        return [columns[hh.logicalIndex(v)].key for v in range(hh.count())
                if not hh.isSectionHidden(hh.logicalIndex(v))]

    def set_column_visible(self, key: str, visible: bool) -> bool:
        """Show or hide one column; False (and nothing done) for a column that must stay."""
        col = self.source_model.column_index(key)
        if not visible and not self.source_model.columns[col].hideable:
            return False
        self.setColumnHidden(col, not visible)
        return True

    def reset_columns(self) -> None:
        """The declared layout: default visibility, widths and order."""
        hh = self.horizontalHeader()
        for col in range(hh.count()):  # declaration order back
            hh.moveSection(hh.visualIndex(col), col)
        self.size_columns()  # before hiding: hidden sections keep these widths for later
        for col, column in enumerate(self.source_model.columns):
            self.setColumnHidden(col, not column.visible)

    def make_column_menu(self) -> QMenu:
        """A checkbox per column (in screen order) and "Reset columns"."""
        menu = QMenu(self)
        menu.setObjectName("columnMenu")
        hh = self.horizontalHeader()
        for visual in range(hh.count()):
            col = hh.logicalIndex(visual)
            column = self.source_model.columns[col]
            action = QAction(column.menu_label.replace("&", "&&"), menu)  # "P&L": no mnemonic
            action.setObjectName(f"column:{column.key}")
            action.setCheckable(True)
            action.setChecked(not hh.isSectionHidden(col))
            if not column.hideable:
                action.setEnabled(False)
                action.setToolTip("Always shown")
            action.toggled.connect(
                lambda on, key=column.key: self.set_column_visible(key, on))
            menu.addAction(action)
        menu.addSeparator()
        reset = QAction("Reset columns", menu)
        reset.setObjectName("resetColumns")
        reset.triggered.connect(self.reset_columns)
        menu.addAction(reset)
        return menu

    def _show_column_menu(self, pos: QPoint) -> None:
        if self.column_menu is not None:
            self.column_menu.deleteLater()
        self.column_menu = self.make_column_menu()
        self.column_menu.popup(self.horizontalHeader().mapToGlobal(pos))

    def _on_current_changed(self, current, _previous) -> None:
        if self._leaving:  # Qt moving the current row to a neighbour: not the trader's choice
            return
        self.currentIdChanged.emit(current.data(IdRole) if current.isValid() else None)

    def _on_rows_about_to_be_removed(self, parent, first: int, last: int) -> None:
        current = self.currentIndex()
        if current.isValid() and not parent.isValid() and first <= current.row() <= last:
            self._leaving = True

    def _on_rows_removed(self, *_: object) -> None:
        """The current row left the view (closed under "Open", filtered out): select nothing.

        Qt would make a neighbour current, so a Del / Ctrl+W meant for the row that just left
        would act on another one; no current row is the only safe answer.
        """
        if not self._leaving:
            return
        self._leaving = False
        self.clearSelection()
        self.selectionModel().clearCurrentIndex()  # emits currentIdChanged(None)

    def current_id(self) -> str | None:
        index = self.currentIndex()
        return index.data(IdRole) if index.isValid() else None

    def select_id(self, obj_id: str) -> bool:
        row = self.source_model.row_of(obj_id)
        if row is None:
            return False
        proxy_index = self.proxy.mapFromSource(self.source_model.index(row, 0))
        if not proxy_index.isValid():
            return False
        self.selectRow(proxy_index.row())
        self.setCurrentIndex(proxy_index)
        return True

    def current_object(self) -> Any | None:
        obj_id = self.current_id()
        return None if obj_id is None else self.source_model.get(obj_id)

    def action_rect(self, column_key: str, obj_id: str):
        """Where the action button of a row is drawn (viewport coordinates), for tests."""
        row = self.source_model.row_of(obj_id)
        col = self.source_model.column_index(column_key)
        proxy_index = self.proxy.mapFromSource(self.source_model.index(row, col))
        return ActionDelegate.button_rect(self.visualRect(proxy_index))

    # -- persistence ------------------------------------------------------------------------
    # `{key}/header` is Qt's header state (widths, order, sort, hidden sections by position);
    # `{key}/columns` records the column choice by key: {"hidden": [...], "known": [...]}.
    # "known" tells a choice from a column the trader has never seen (one added in a later
    # version, or a state saved before the chooser existed): those get their declared default.
    def save_state(self, settings: QSettings, key: str) -> None:
        hh = self.horizontalHeader()
        columns = self.source_model.columns
        settings.setValue(f"{key}/header", hh.saveState())
        settings.setValue(f"{key}/columns", json.dumps({
            "known": [c.key for c in columns],
            "hidden": [c.key for i, c in enumerate(columns) if hh.isSectionHidden(i)],
        }))

    def restore_state(self, settings: QSettings, key: str) -> None:
        """The saved layout over the defaults; a first run keeps the defaults."""
        choice = self._saved_columns(settings.value(f"{key}/columns"))
        keys = [c.key for c in self.source_model.columns]
        state = settings.value(f"{key}/header")
        # Qt's state is by position: only trusted while the columns are the ones it was saved with
        if (isinstance(state, QByteArray) and not state.isEmpty()
                and (choice is None or choice[0] == keys)):
            self.horizontalHeader().restoreState(state)
        known, hidden = choice if choice is not None else ([], set())
        for col, column in enumerate(self.source_model.columns):
            if not column.hideable:
                show = True  # whatever the file says
            elif column.key in known:
                show = column.key not in hidden
            else:
                show = column.visible
            self.setColumnHidden(col, not show)

    @staticmethod
    def _saved_columns(raw: object) -> tuple[list[str], set[str]] | None:
        if not isinstance(raw, str):
            return None
        try:
            data = json.loads(raw)
            known = [str(k) for k in data["known"]]
            hidden = {str(k) for k in data["hidden"]}
        except (ValueError, KeyError, TypeError):
            return None
        return known, hidden

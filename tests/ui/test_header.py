"""Header polish: a sort arrow never sits over a label, at any column width.

Every section keeps the arrow's room as right padding (the label is laid out and elided inside
the rest), and the default widths fit each bold label plus that room."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QStyle, QStyleOptionHeader

from moniqo_desktop.ui import theme


def test_every_default_width_fits_its_label_beside_the_arrow(run):
    async def scenario(window, engine, exchange):
        for view in (window.positions.view, window.orders.view):
            header = view.horizontalHeader()
            bold = QFont(header.font())
            bold.setWeight(QFont.Weight.DemiBold)
            fm = QFontMetrics(bold)
            for col, column in enumerate(view.source_model.columns):
                if view.isColumnHidden(col) or not column.header:
                    continue
                view.sortByColumn(col, view.horizontalHeader().sortIndicatorOrder())
                need = fm.horizontalAdvance(column.header) + theme.HEADER_PAD + \
                    theme.HEADER_ARROW_ROOM
                assert header.sectionSize(col) >= need, (column.key, header.sectionSize(col))
                # the label's own rectangle (what Qt elides to) ends before the arrow's room
                option = QStyleOptionHeader()
                header.initStyleOption(option)
                option.rect = header.rect().adjusted(0, 0, 0, 0)
                option.rect.setWidth(header.sectionSize(col))
                option.section = col
                option.text = column.header
                option.sortIndicator = QStyleOptionHeader.SortIndicator.SortDown
                label = header.style().subElementRect(QStyle.SubElement.SE_HeaderLabel, option,
                                                      header)
                arrow = header.style().subElementRect(QStyle.SubElement.SE_HeaderArrow, option,
                                                      header)
                assert label.right() < arrow.left() or arrow.isEmpty(), \
                    (column.key, label, arrow)

    run(scenario)


def test_a_hold_of_months_is_not_clipped(run):
    """Issue #14 screenshot: a position held 329 days showed "329d 04:3…" - the Held column
    was sized for one digit of days ("0d 00:00:00"). It fits three."""
    from datetime import timedelta

    from PySide6.QtCore import Qt

    from moniqo_desktop.domain.orders import utcnow

    from ui_factories import make_position

    async def scenario(window, engine, exchange):
        view = window.positions.view
        model = window.positions.model
        position = make_position(opened_at=utcnow() - timedelta(days=329, hours=4, minutes=31))
        position.update_price(position.entry_price)
        model.upsert(position)
        held = model.column_index("held")
        text = model.index(model.rowCount() - 1, held).data(Qt.ItemDataRole.DisplayRole)
        assert text.startswith("329d 04:3")
        view.size_columns()
        assert view.columnWidth(held) >= view.fontMetrics().horizontalAdvance(text) + 12

    run(scenario)


def _ink(view, col: int, arrow: bool):
    """The header section `col` as painted, as a boolean mask of what is not background
    (its right and bottom border lines left out), with or without the sort arrow."""
    import numpy as np

    header = view.horizontalHeader()
    header.setSortIndicatorShown(arrow)
    x = header.sectionViewportPosition(col)
    image = header.grab().toImage().copy(x, 0, header.sectionSize(col) - 1,
                                         header.height() - 1)
    image = image.convertToFormat(image.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint32).reshape(
        image.height(), image.bytesPerLine() // 4)[:, :image.width()]
    background = np.bincount(pixels.ravel() & 0xFFFFFF).argmax()
    return (pixels & 0xFFFFFF) != background


def _arrow_mask(view, col: int):
    plain = _ink(view, col, arrow=False)
    with_arrow = _ink(view, col, arrow=True)
    return plain, with_arrow & ~plain


def _sort_orders(view):
    from PySide6.QtCore import Qt

    return (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder)


def test_the_sort_arrow_never_covers_its_label_at_any_width(run):
    """Narrowed column by column down to a sliver, as painted: the arrow's pixels stay right
    of the label's (the label is clipped or elided; it never runs under the arrow)."""
    import numpy as np

    async def scenario(window, engine, exchange):
        window.resize(1440, 900)
        for view in (window.positions.view, window.orders.view):
            header = view.horizontalHeader()
            for col, column in enumerate(view.source_model.columns):
                if view.isColumnHidden(col) or not column.header:
                    continue
                full = header.sectionSize(col)
                for order in _sort_orders(view):
                    view.sortByColumn(col, order)
                    for width in sorted({full, full * 2 // 3, full // 2, 32, 24, 18, 12},
                                        reverse=True):
                        header.resizeSection(col, width)
                        label, arrow = _arrow_mask(view, col)
                        if not arrow.any() or not label.any():
                            continue  # too narrow for one of them: nothing covers anything
                        label_right = np.nonzero(label.any(axis=0))[0].max()
                        arrow_left = np.nonzero(arrow.any(axis=0))[0].min()
                        assert label_right < arrow_left, (column.key, width, order)
                header.resizeSection(col, full)
            header.setSortIndicatorShown(True)

    run(scenario)


def test_the_sort_arrow_points_up_for_ascending_and_down_for_descending(run):
    """The arrow says the order shown, as in spreadsheets and file managers: ▲ = smallest
    first (ascending), ▼ = largest first. Qt's headers draw the opposite (ascending ▼): the
    positions table (held, ascending) showed ▼ and the orders table (newest first) ▲."""
    import numpy as np
    from PySide6.QtCore import Qt

    async def scenario(window, engine, exchange):
        window.resize(1440, 900)
        for view in (window.positions.view, window.orders.view):
            col = view.horizontalHeader().sortIndicatorSection()
            for order in _sort_orders(view):
                view.sortByColumn(col, order)
                _, arrow = _arrow_mask(view, col)
                rows = np.nonzero(arrow.any(axis=1))[0]
                widths = arrow.sum(axis=1)
                top, bottom = widths[rows.min()], widths[rows.max()]
                points_up = top < bottom
                assert points_up == (order == Qt.SortOrder.AscendingOrder), \
                    (view.objectName(), order, widths[rows.min():rows.max() + 1])
            view.horizontalHeader().setSortIndicatorShown(True)

    run(scenario)

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

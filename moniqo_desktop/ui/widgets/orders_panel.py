"""Orders: the table with a Cancel button on every order that can still be cancelled."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSettings, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QMenu, QWidget

from ..models.orders import make_orders_model
from .monitor_panel import MonitorPanel


class OrdersPanel(MonitorPanel):
    cancelRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("ORDERS", make_orders_model, "ordersTable", "orders",
                         lambda o: o.is_open(), parent)
        self.open_only = QCheckBox("Open only")
        self.open_only.setObjectName("ordersOpenOnly")
        self.bar.addWidget(self.open_only)
        self.view.sortByColumn(self.model.column_index("created_at"), Qt.SortOrder.DescendingOrder)
        self.view.actionTriggered.connect(
            lambda key, order_id: self.cancelRequested.emit(order_id) if key == "cancel" else None)
        self.open_only.toggled.connect(self._apply_filter)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.row_menu: QMenu | None = None
        self._update_count()

    def _context_menu(self, pos: QPoint) -> None:
        """Right click or the menu key (then on the current row): Cancel order."""
        index = self.view.indexAt(pos)
        if not index.isValid():
            index = self.view.currentIndex()
            if not index.isValid():
                return
            pos = self.view.visualRect(index).center()
        self.view.setCurrentIndex(index)
        order = self.view.current_object()
        if order is None:
            return
        menu = QMenu(self)
        menu.setObjectName("orderMenu")
        cancel = QAction("Cancel order", menu)
        cancel.setEnabled(order.is_open())
        cancel.triggered.connect(lambda: self.cancelRequested.emit(order.id))
        menu.addAction(cancel)
        self.row_menu = menu
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def save_state(self, settings: QSettings) -> None:
        super().save_state(settings)
        settings.setValue("orders/openOnly", self.open_only.isChecked())

    def restore_state(self, settings: QSettings) -> None:
        super().restore_state(settings)
        value = settings.value("orders/openOnly")
        self.open_only.setChecked(value in (True, "true"))

    def _apply_filter(self, on: bool) -> None:
        self.view.proxy.set_predicate((lambda o: o.is_open()) if on else None)

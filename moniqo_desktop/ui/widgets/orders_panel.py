"""Orders: the table with a Cancel button on every order that can still be cancelled."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..models.orders import make_orders_model
from .monitor_view import MonitorView
from ..coalesce import Coalesced


class OrdersPanel(QFrame):
    cancelRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.model = make_orders_model(self)
        self._count_refresh = Coalesced(self._compute_count, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.setSpacing(4)
        bar = QHBoxLayout()
        title = QLabel("ORDERS")
        title.setObjectName("panelTitle")
        self.count = QLabel("")
        self.count.setObjectName("muted")
        self.open_only = QCheckBox("Open only")
        self.open_only.setObjectName("ordersOpenOnly")
        bar.addWidget(title)
        bar.addWidget(self.count)
        bar.addStretch(1)
        bar.addWidget(self.open_only)
        layout.addLayout(bar)
        self.view = MonitorView(self.model, "ordersTable", self)
        self.view.sortByColumn(self.model.column_index("created_at"), Qt.SortOrder.DescendingOrder)
        layout.addWidget(self.view, 1)
        self.view.actionTriggered.connect(
            lambda key, order_id: self.cancelRequested.emit(order_id) if key == "cancel" else None)
        self.open_only.toggled.connect(self._apply_filter)
        self.model.rowsInserted.connect(self._update_count)
        self.model.modelReset.connect(self._update_count)
        self.model.dataChanged.connect(self._update_count)
        self._update_count()

    def _apply_filter(self, on: bool) -> None:
        self.view.proxy.set_predicate((lambda o: o.is_open()) if on else None)

    def _update_count(self, *_: object) -> None:
        self._count_refresh.request()

    def _compute_count(self) -> None:
        open_count = sum(1 for o in self.model.objects() if o.is_open())
        self.count.setText(f"{open_count} open · {self.model.rowCount()} total")

    def save_state(self, settings: QSettings) -> None:
        self.view.save_state(settings, "orders")

    def restore_state(self, settings: QSettings) -> None:
        self.view.restore_state(settings, "orders")

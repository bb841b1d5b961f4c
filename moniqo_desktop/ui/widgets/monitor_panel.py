"""The frame every monitor table sits in: a title bar ("ORDERS  2 open · 5 total", then the
panel's own controls on the right) over a `MonitorView`, with the count recomputed once per
burst of model changes and the view's layout saved under the panel's key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..coalesce import Coalesced
from ..models.monitor import MonitorModel
from .monitor_view import MonitorView


class MonitorPanel(QFrame):
    def __init__(
        self,
        title: str,
        make_model: Callable[[QObject], MonitorModel],
        table_name: str,
        state_key: str,
        is_open: Callable[[Any], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.model = make_model(self)
        self._state_key = state_key
        self._is_open = is_open
        # a pass over every row: at most a few times a second while prices stream
        self._count_refresh = Coalesced(self._compute_count, self, interval_ms=250)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.setSpacing(4)
        self.bar = QHBoxLayout()  # subclasses add their controls after the stretch
        heading = QLabel(title)
        heading.setObjectName("panelTitle")
        self.count = QLabel("")
        self.count.setObjectName("muted")
        self.bar.addWidget(heading)
        self.bar.addWidget(self.count)
        self.bar.addStretch(1)
        layout.addLayout(self.bar)
        self.view = MonitorView(self.model, table_name, self)
        layout.addWidget(self.view, 1)
        # the proxy re-filters on dataChanged by itself; only the count needs a nudge
        for changed in (self.model.rowsInserted, self.model.dataChanged):
            changed.connect(self._update_count)
        # a new set of rows (the start's) is counted at once: a count arriving after the first
        # paint widened its label and laid the window out and painted it again (#14)
        self.model.modelReset.connect(self._count_now)

    def _update_count(self, *_: object) -> None:
        self._count_refresh.request()

    def _count_now(self) -> None:
        self._count_refresh.cancel()
        self._compute_count()

    def _compute_count(self) -> None:
        open_count = sum(1 for obj in self.model.objects() if self._is_open(obj))
        self.count.setText(f"{open_count} open · {self.model.rowCount()} total")

    def save_state(self, settings: QSettings) -> None:
        self.view.save_state(settings, self._state_key)

    def restore_state(self, settings: QSettings) -> None:
        self.view.restore_state(settings, self._state_key)

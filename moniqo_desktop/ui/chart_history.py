"""A selected position's recorded history, read into the chart without holding the window.

A week of one-second samples is 600 000 rows: read in one call (`position_update_columns`)
that held the GUI thread for seconds of CPU, so selecting an old position froze the window -
no paint, no tick, no key. Here the history comes a page at a time (`engine.
position_update_pages`, 500 samples, a few ms each), newest page first: the chart
shows the last stretch at once, and the older pages follow with the event loop handed back
between reads, so the window paints and trades while the rest arrives. Picking another position
drops the unfinished read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

from ..domain import Position
from .tasks import spawn
from .widgets.position_chart import PositionChart

log = logging.getLogger(__name__)

PAGE_ROWS = 500
"""Samples per read: about 4 ms of CPU on a loaded machine (`benchmarks/bench_chart.py`)."""


class ChartHistory:
    """`show(position)`: draw it with its newest page now, the older pages as they come."""

    def __init__(self, engine: Any, chart: PositionChart, page_rows: int = PAGE_ROWS) -> None:
        self.engine = engine
        self.chart = chart
        self.page_rows = page_rows
        self.pages_read = 0
        """Pages read for the last position shown (tests count them)."""
        self._loading: asyncio.Future[Any] | None = None

    @property
    def loading(self) -> bool:
        return self._loading is not None and not self._loading.done()

    def show(self, position: Position) -> None:
        self.cancel()
        newest = None
        try:
            pages = self.engine.position_update_pages(position.id, rows=self.page_rows)
            newest = next(pages, None)
        except Exception as exc:  # history is a nicety; the live chart still works
            log.warning("cannot load the history of %s: %s", position.id, exc)
        self.pages_read = int(newest is not None)
        self.chart.set_position(position, newest if newest is not None else [])
        if newest is not None and len(newest) >= self.page_rows:  # older pages may follow
            self._loading = spawn(
                self._older(pages), on_result=lambda older: self._prepend(position.id, older),
                on_error=lambda exc: log.warning("cannot load the history of %s: %s",
                                                 position.id, exc))

    async def _older(self, pages: Iterator[Any]) -> list[Any]:
        older: list[Any] = []
        while True:
            await asyncio.sleep(0)  # the loop paints and serves events between two reads
            page = next(pages, None)
            if page is None:
                return older
            older.append(self.chart.history_rows(page))  # converted here, in the gaps
            self.pages_read += 1

    def _prepend(self, position_id: str, older: list[Any]) -> None:
        charted = self.chart.position
        if not older or charted is None or charted.id != position_id:
            return
        self.chart.prepend_history(older[::-1])

    def cancel(self) -> None:
        if self._loading is not None and not self._loading.done():
            self._loading.cancel()
        self._loading = None

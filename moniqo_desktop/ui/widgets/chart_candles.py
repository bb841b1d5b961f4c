"""Candles behind the sampled line: the wicks that a sampled price line cannot show.

The timeframe follows the position's life (`timeframe_for`): enough candles to read, never
thousands; `CandleItem` paints them once into a QPicture (pyqtgraph's own candlestick recipe),
so a repaint is a replay, not a loop.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Sequence

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter, QPicture

from ...engine import TIMEFRAMES

MAX_CANDLES = 240  # the finest timeframe that keeps the life under this many candles


def timeframe_for(span_seconds: float) -> str:
    """1m for a young position, up to 1d for one held for months."""
    for name, seconds in TIMEFRAMES.items():
        if span_seconds / seconds <= MAX_CANDLES:
            return name
    return "1d"


def _ts(at: datetime) -> float:
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).timestamp()


class CandleItem(pg.GraphicsObject):
    """OHLC candles (floats for drawing; the Decimals stay in the candles themselves)."""

    def __init__(self) -> None:
        super().__init__()
        self.candles: list[Any] = []
        self.seconds = 60
        self._picture = QPicture()
        self._rect = QRectF()
        self._range: tuple[float, float] | None = None
        self.colours = ("#26a69a", "#ef5350")
        self.setZValue(-20)  # behind the line, the levels and the markers

    def set_candles(self, candles: Sequence[Any], seconds: int) -> None:
        self.prepareGeometryChange()
        self.candles = list(candles)
        self.seconds = seconds
        self._paint()
        self.update()

    def set_colours(self, up: str, down: str) -> None:
        self.colours = (up, down)
        self._paint()
        self.update()

    def _paint(self) -> None:
        self._picture = QPicture()
        if not self.candles:
            self._rect = QRectF()
            self._range = None
            return
        painter = QPainter(self._picture)
        width = self.seconds * 0.7
        for c in self.candles:
            x = _ts(c.at) + self.seconds / 2
            o, h, low, close = float(c.open), float(c.high), float(c.low), float(c.close)
            colour = pg.mkColor(self.colours[0] if close >= o else self.colours[1])
            colour.setAlpha(150)
            painter.setPen(pg.mkPen(colour, width=1, cosmetic=True))
            painter.drawLine(QPointF(x, low), QPointF(x, h))
            painter.setBrush(pg.mkBrush(colour))
            painter.drawRect(QRectF(x - width / 2, o, width, close - o))
        painter.end()
        xs = [_ts(c.at) for c in self.candles]
        lows = [float(c.low) for c in self.candles]
        highs = [float(c.high) for c in self.candles]
        self._rect = QRectF(min(xs), min(lows), max(xs) + self.seconds - min(xs),
                            max(highs) - min(lows))
        self._range = (min(lows), max(highs))

    def paint(self, painter: QPainter, *_: Any) -> None:
        painter.drawPicture(0, 0, self._picture)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt name)
        return QRectF(self._rect)

    def range(self) -> tuple[float, float] | None:
        """Lowest low and highest high (for the fit, on every tick: worked out once, when the
        candles arrive), or None without candles."""
        return self._range

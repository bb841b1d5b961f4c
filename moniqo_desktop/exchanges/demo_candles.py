"""The paper exchange's candles: its own ticks aggregated into OHLC.

Every price the paper venue moves to lands in a one-minute candle; longer timeframes are built
from those minutes when asked. Bounded: the last `KEEP_MINUTES` minutes per symbol (a week),
so a long-running paper session does not grow without end — by time, not only by count: with
ticks further apart than a minute, `KEEP_MINUTES` candles would span weeks (five at one tick per
5 minutes) and memory kept growing long after the week was full. No volume: paper ticks trade
none.

A candle is a tuple, replaced as its minute's ticks arrive, not a list extended in place: a
week of minutes per ticking symbol stays in memory, and a list is tracked by the garbage
collector (every collection of the GUI thread walked each one: #14, lag worst case) where a
tuple of numbers is untracked by the first collection that sees it.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timezone
from decimal import Decimal

from .base import TIMEFRAMES, Candle
from .errors import ExchangeError

KEEP_MINUTES = 7 * 24 * 60
MINUTE = 60


def _ts(at: datetime) -> int:
    return int((at if at.tzinfo else at.replace(tzinfo=timezone.utc)).timestamp())


class TickCandles:
    def __init__(self, keep_minutes: int = KEEP_MINUTES) -> None:
        # symbol -> minute candles as (open_ts, open, high, low, close)
        self._minutes: dict[str, deque[tuple[int, Decimal, Decimal, Decimal, Decimal]]] = {}
        self._keep = keep_minutes

    def add(self, symbol: str, price: Decimal, at: datetime) -> None:
        """A tick: extend the current minute, or open the next one."""
        start = _ts(at) // MINUTE * MINUTE
        minutes = self._minutes.setdefault(symbol, deque(maxlen=self._keep))
        if minutes and minutes[-1][0] == start:
            _, open_, high, low, _ = minutes[-1]
            minutes[-1] = (start, open_, max(high, price), min(low, price), price)
        elif not minutes or minutes[-1][0] < start:
            minutes.append((start, price, price, price, price))
            oldest = start - (self._keep - 1) * MINUTE  # the window's first minute
            while minutes[0][0] < oldest:
                minutes.popleft()
        # a tick older than the newest minute (a clock step back) is ignored

    def ohlcv(self, symbol: str, timeframe: str = "1m", since: datetime | None = None,
              limit: int | None = None) -> list[Candle]:
        if timeframe not in TIMEFRAMES:
            raise ExchangeError(f"timeframe {timeframe} is not one of {', '.join(TIMEFRAMES)}")
        size = TIMEFRAMES[timeframe]
        first = _ts(since) // size * size if since is not None else None
        out: list[list] = []
        for start, o, h, low, c in self._minutes.get(symbol, ()):
            bucket = start // size * size
            if first is not None and bucket < first:
                continue
            if out and out[-1][0] == bucket:
                last = out[-1]
                last[2], last[3], last[4] = max(last[2], h), min(last[3], low), c
            else:
                out.append([bucket, o, h, low, c])
        if limit is not None:
            out = out[:limit]
        return [Candle(datetime.fromtimestamp(b, timezone.utc), o, h, low, c)
                for b, o, h, low, c in out]

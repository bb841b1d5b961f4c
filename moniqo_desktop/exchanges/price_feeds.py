"""Where the paper exchange's prices come from: pluggable feeds the exchange advances.

Every feed answers one question, `await feed.next_prices()` -> {symbol: Decimal}, the prices that
changed since the previous call (possibly none). The exchange calls it from `tick()` and runs its
matching engine on each new price, so feeds know nothing about orders and the exchange knows
nothing about where prices come from. Feeds never raise from `next_prices`: a source that fails
says so through `available`/`last_error` and returns no prices, because a paper account must
keep working (on stale prices) when the internet does not.

- `ManualFeed`      scripted steps, for tests ("100, then 90, then 120").
- `RandomWalkFeed`  seeded geometric random walk: the offline default, deterministic per seed.
- `CsvReplayFeed`   replays OHLCV candles (timestamp,open,high,low,close,volume) step by step or
                    at a chosen speed, visiting each candle's high and low so stops inside a
                    candle trigger as they would have.
- `LiveTickerFeed`  public tickers of a real exchange through ccxt (no keys).
"""

from __future__ import annotations

import csv
import math
import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..domain.money import Number, parse_amount
from .demo_markets import price_step_for


@runtime_checkable
class PriceFeed(Protocol):
    """A source of prices the paper exchange pulls from on every `tick()`."""

    @property
    def symbols(self) -> tuple[str, ...]: ...

    @property
    def available(self) -> bool: ...

    def initial_prices(self) -> dict[str, Decimal]:
        """Prices known before the first step (may be empty for a live feed)."""
        ...

    async def next_prices(self) -> dict[str, Decimal]: ...

    async def close(self) -> None: ...


def _prices(values: Mapping[str, Number]) -> dict[str, Decimal]:
    return {sym: parse_amount(v, f"price of {sym}") for sym, v in values.items()}


def round_to_step(price: Decimal, step: Decimal) -> Decimal:
    """Nearest multiple of `step`, never below one step (a price is never zero)."""
    rounded = (price / step).to_integral_value(rounding=ROUND_HALF_UP) * step
    return max(rounded, step)


# -- (a) manual ----------------------------------------------------------------------------
class ManualFeed:
    """Scripted price steps: each `next_prices()` returns the next queued update, then {}.

    Tests that only need one price use `DemoExchange.set_price` directly; this feed is for
    driving the engine's own `tick()` loop through a known path.
    """

    def __init__(
        self,
        steps: Iterable[Mapping[str, Number]] = (),
        initial: Mapping[str, Number] | None = None,
    ) -> None:
        self._steps: deque[dict[str, Decimal]] = deque(_prices(s) for s in steps)
        self._initial = _prices(initial or {})
        syms = dict.fromkeys(self._initial)
        for step in self._steps:
            syms.update(dict.fromkeys(step))
        self._symbols = tuple(syms)

    @property
    def symbols(self) -> tuple[str, ...]:
        return self._symbols

    @property
    def available(self) -> bool:
        return True

    @property
    def pending(self) -> int:
        return len(self._steps)

    def push(self, prices: Mapping[str, Number]) -> None:
        step = _prices(prices)
        self._steps.append(step)
        self._symbols = tuple(dict.fromkeys((*self._symbols, *step)))

    def initial_prices(self) -> dict[str, Decimal]:
        return dict(self._initial)

    async def next_prices(self) -> dict[str, Decimal]:
        return self._steps.popleft() if self._steps else {}

    async def close(self) -> None:
        return None


# -- (b) seeded random walk ----------------------------------------------------------------
DEFAULT_START_PRICES: dict[str, Decimal] = {
    "BTC/USDT": Decimal("65000"),
    "ETH/USDT": Decimal("3400"),
    "SOL/USDT": Decimal("150"),
}

# Per-second standard deviation of log returns, from typical annualised volatility
# (BTC ~50 %, ETH ~65 %, SOL ~90 %) divided by sqrt(seconds per year ≈ 31.5 M).
DEFAULT_VOLATILITY: dict[str, float] = {
    "BTC/USDT": 0.50 / math.sqrt(365 * 24 * 3600),
    "ETH/USDT": 0.65 / math.sqrt(365 * 24 * 3600),
    "SOL/USDT": 0.90 / math.sqrt(365 * 24 * 3600),
}
FALLBACK_VOLATILITY = 0.80 / math.sqrt(365 * 24 * 3600)


class RandomWalkFeed:
    """Geometric random walk per symbol: p ← p·exp(σ·√dt·z), z ~ N(0, 1) from a seeded RNG.

    Geometric so prices stay positive and moves scale with the price; the exact walk is kept
    unrounded and only the published price is rounded to the market's price step (rounding the
    state itself would let a low-priced coin stick on one tick). The random numbers are floats
    — they are noise, not money — and turn into Decimal through their shortest text form, so a
    seed gives the same Decimal path on every machine.
    """

    def __init__(
        self,
        start_prices: Mapping[str, Number] | None = None,
        *,
        seed: int | None = None,
        volatility: Mapping[str, float] | float | None = None,
        step_seconds: float = 1.0,
        price_steps: Mapping[str, Number] | None = None,
    ) -> None:
        self._state = _prices(start_prices or DEFAULT_START_PRICES)
        self._rng = random.Random(seed)
        self.seed = seed
        self.step_seconds = step_seconds
        steps = _prices(price_steps or {})
        self._steps = {
            sym: steps.get(sym, price_step_for(p)) for sym, p in self._state.items()
        }
        self._sigma: dict[str, float] = {}
        for sym in self._state:
            if isinstance(volatility, Mapping):
                sigma = volatility.get(sym, DEFAULT_VOLATILITY.get(sym, FALLBACK_VOLATILITY))
            elif volatility is not None:
                sigma = float(volatility)
            else:
                sigma = DEFAULT_VOLATILITY.get(sym, FALLBACK_VOLATILITY)
            self._sigma[sym] = float(sigma)

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self._state)

    @property
    def available(self) -> bool:
        return True

    def price_step(self, symbol: str) -> Decimal:
        return self._steps[symbol]

    def _published(self) -> dict[str, Decimal]:
        return {sym: round_to_step(p, self._steps[sym]) for sym, p in self._state.items()}

    def initial_prices(self) -> dict[str, Decimal]:
        return self._published()

    def step(self) -> dict[str, Decimal]:
        """Advance every symbol by `step_seconds` (synchronous core of `next_prices`)."""
        root_dt = math.sqrt(self.step_seconds)
        for sym in self._state:  # fixed order: the seed decides the path
            z = self._rng.gauss(0.0, 1.0)
            factor = Decimal(repr(math.exp(self._sigma[sym] * root_dt * z)))
            self._state[sym] = self._state[sym] * factor
        return self._published()

    async def next_prices(self) -> dict[str, Decimal]:
        return self.step()

    def resume_from(self, prices: Mapping[str, Decimal]) -> None:
        """Continue the walk from these prices (the last saved ones) instead of the defaults,
        so a restart does not jump the market and trip every stop in its first second."""
        for sym, price in prices.items():
            if sym in self._state and price > 0:
                self._state[sym] = Decimal(price)

    async def close(self) -> None:
        return None


# -- (c) OHLCV CSV replay ------------------------------------------------------------------
@dataclass(frozen=True)
class Candle:
    at: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


def _parse_time(text: str) -> datetime:
    text = text.strip()
    if text.lstrip("-").isdigit():
        value = int(text)
        seconds = value / 1000 if abs(value) >= 10**11 else value  # ms (ccxt) or s epoch
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def read_ohlcv_csv(path: str | Path) -> list[Candle]:
    """Read `timestamp,open,high,low,close,volume` (header required; ms/s epoch or ISO time)."""
    candles: list[Candle] = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        required = {"timestamp", "open", "high", "low", "close", "volume"}
        header = {h.strip().lower() for h in (reader.fieldnames or [])}
        if not required <= header:
            raise ValueError(
                f"{path}: OHLCV CSV needs the columns {sorted(required)} (got {sorted(header)})"
            )
        for line, row in enumerate(reader, start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            try:
                candle = Candle(
                    at=_parse_time(row["timestamp"]),
                    open=parse_amount(row["open"], "open"),
                    high=parse_amount(row["high"], "high"),
                    low=parse_amount(row["low"], "low"),
                    close=parse_amount(row["close"], "close"),
                    volume=parse_amount(row["volume"], "volume", allow_zero=True),
                )
            except ValueError as exc:
                raise ValueError(f"{path}:{line}: {exc}") from None
            if not (candle.low <= min(candle.open, candle.close)
                    and candle.high >= max(candle.open, candle.close)):
                raise ValueError(f"{path}:{line}: high/low do not contain open/close")
            candles.append(candle)
    candles.sort(key=lambda c: c.at)
    return candles


class CsvReplayFeed:
    """Replays candles for one symbol as a price path: open, then the extreme nearer the
    close last (low then high for a rising candle, high then low for a falling one), then close.

    `speed=None`: one point per `next_prices()` call (tests, back-testing as fast as possible).
    `speed=60.0`: one real second replays one minute of data; a call returns the next point only
    once its time has come, and never skips a point (a skipped low could hide a stop trigger),
    so a slow caller replays late rather than wrong. `loop=True` starts over at the end.
    """

    POINTS_PER_CANDLE = 4

    def __init__(
        self,
        path: str | Path,
        symbol: str = "BTC/USDT",
        *,
        speed: float | None = None,
        loop: bool = False,
        time_source: Callable[[], float] = time.monotonic,
    ) -> None:
        self.symbol = symbol
        self.candles = read_ohlcv_csv(path)
        if not self.candles:
            raise ValueError(f"{path}: no candles")
        if speed is not None and speed <= 0:
            raise ValueError("replay speed must be positive")
        self.speed = speed
        self.loop = loop
        self._time = time_source
        self._points = self._build_points()
        self._index = 0
        self._started: float | None = None

    def _build_points(self) -> list[tuple[float, Decimal]]:
        """(seconds since the first candle, price) for every point of the path."""
        first = self.candles[0].at
        points: list[tuple[float, Decimal]] = []
        for i, c in enumerate(self.candles):
            if i + 1 < len(self.candles):
                span = (self.candles[i + 1].at - c.at).total_seconds()
            elif i > 0:
                span = (c.at - self.candles[i - 1].at).total_seconds()
            else:
                span = 60.0
            mids = (c.low, c.high) if c.close >= c.open else (c.high, c.low)
            start = (c.at - first).total_seconds()
            for k, price in enumerate((c.open, *mids, c.close)):
                points.append((start + span * k / self.POINTS_PER_CANDLE, price))
        return points

    @property
    def symbols(self) -> tuple[str, ...]:
        return (self.symbol,)

    @property
    def available(self) -> bool:
        return True

    @property
    def finished(self) -> bool:
        return not self.loop and self._index >= len(self._points)

    def initial_prices(self) -> dict[str, Decimal]:
        return {self.symbol: self.candles[0].open}

    async def next_prices(self) -> dict[str, Decimal]:
        if self._index >= len(self._points):
            if not self.loop:
                return {}
            self._index, self._started = 0, None
        offset, price = self._points[self._index]
        if self.speed is not None:
            now = self._time()
            if self._started is None:
                self._started = now
            if (now - self._started) * self.speed < offset:
                return {}
        self._index += 1
        return {self.symbol: price}

    async def close(self) -> None:
        return None


# -- (d) live public tickers ---------------------------------------------------------------
class LiveTickerFeed:
    """Last prices of a real exchange's public tickers via `ccxt.async_support` (no API keys).

    ccxt is imported on first use so the paper exchange works without the network stack. Any
    failure (no network, unknown exchange, rate limit) leaves the previous prices in force,
    sets `available` False and `last_error`, and the next call simply tries again.
    """

    def __init__(
        self,
        symbols: Iterable[str] = tuple(DEFAULT_START_PRICES),
        exchange_id: str = "binance",
        *,
        client: Any = None,
        timeout_ms: int = 10_000,
    ) -> None:
        self._symbols = tuple(symbols)
        self.exchange_id = exchange_id
        self.timeout_ms = timeout_ms
        self._client = client
        self._available = True
        self.last_error: str | None = None
        self.last: dict[str, Decimal] = {}

    @property
    def symbols(self) -> tuple[str, ...]:
        return self._symbols

    @property
    def available(self) -> bool:
        return self._available

    def initial_prices(self) -> dict[str, Decimal]:
        return dict(self.last)

    def _make_client(self) -> Any:
        import ccxt.async_support as ccxt_async

        cls = getattr(ccxt_async, self.exchange_id, None)
        if cls is None:
            raise ValueError(f"ccxt has no exchange called {self.exchange_id!r}")
        return cls({"enableRateLimit": True, "timeout": self.timeout_ms})

    async def next_prices(self) -> dict[str, Decimal]:
        try:
            if self._client is None:
                self._client = self._make_client()
            tickers = await self._client.fetch_tickers(list(self._symbols))
            changed: dict[str, Decimal] = {}
            for sym in self._symbols:
                last = (tickers.get(sym) or {}).get("last")
                if last is None:
                    continue
                price = Decimal(str(last))  # ccxt gives floats; their shortest text is exact
                if price > 0 and self.last.get(sym) != price:
                    changed[sym] = price
            self.last.update(changed)
        except Exception as exc:  # noqa: BLE001 - any failure means "no prices this time"
            self._available = False
            self.last_error = f"{type(exc).__name__}: {exc}"
            return {}
        self._available = True
        self.last_error = None
        return changed

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.close()
            except Exception:  # noqa: BLE001 - closing a broken session must not fail shutdown
                pass


__all__ = [
    "DEFAULT_START_PRICES",
    "DEFAULT_VOLATILITY",
    "Candle",
    "CsvReplayFeed",
    "LiveTickerFeed",
    "ManualFeed",
    "PriceFeed",
    "RandomWalkFeed",
    "read_ohlcv_csv",
    "round_to_step",
]

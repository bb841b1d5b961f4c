"""The paper venue misbehaving the ways real venues do, at seeded random: timeouts, rate limits,
5xx, lost answers (the order exists but the answer never came), false "not found", fills reported
twice and out of order, and fills that land after a cancel was asked for.

Built on the venue's own failure injection (`fail_next`, `on_create`) plus overrides that alter
what the venue *reports* (never its books), so the engine sees the faults through the same
`Exchange` protocol it uses for real venues.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from decimal import Decimal

from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.exchanges.base import ExchangeOrder
from moniqo_desktop.exchanges.errors import ExchangeUnavailable, OrderNotFound, RateLimited

API = ("create_order", "cancel_order", "fetch_order", "fetch_open_orders", "fetch_tickers",
       "fetch_ticker", "fetch_balance")


class FaultyVenue(DemoExchange):
    def __init__(self, *args, rate: float = 0.05, seed: int = 0, **kwargs) -> None:
        super().__init__(*args, on_create=self._maybe_lose_answer, **kwargs)
        self.rng = random.Random(seed)
        self.rate = rate
        self.faults: Counter[str] = Counter()
        self.enabled = True

    def _roll(self, kind: str, scale: float = 1.0) -> bool:
        if self.enabled and self.rng.random() < self.rate * scale:
            self.faults[kind] += 1
            return True
        return False

    def _gate(self, method: str) -> None:
        if method in API and self._roll("transport"):
            error = self.rng.choice([
                ExchangeUnavailable(f"{method}: request timed out"),
                RateLimited(f"{method}: 429 Too Many Requests"),
                ExchangeUnavailable(f"{method}: 502 Bad Gateway"),
                ExchangeUnavailable(f"{method}: 503 Service Unavailable"),
            ])
            self.faults[type(error).__name__] += 1
            self.fail_next(1, error, only=[method])
        super()._gate(method)

    def _maybe_lose_answer(self, view: ExchangeOrder) -> None:
        if self._roll("lost answer", 0.5):
            raise ExchangeUnavailable("connection reset before the answer (order was placed)")

    def _garble(self, view: ExchangeOrder) -> ExchangeOrder:
        trades = view.trades
        if len(trades) >= 1 and self._roll("duplicated fills"):
            trades = trades + trades[:1]
        if len(trades) >= 2 and self._roll("out-of-order fills"):
            trades = tuple(reversed(trades))
        return view if trades is view.trades else replace(view, trades=trades)

    async def fetch_order(self, symbol, exchange_order_id=None, client_order_id=None):
        view = await super().fetch_order(symbol, exchange_order_id, client_order_id)
        if self._roll("false not-found"):
            raise OrderNotFound(f"order {exchange_order_id or client_order_id} does not exist")
        return self._garble(view)

    async def fetch_open_orders(self, symbol=None):
        return [self._garble(v) for v in await super().fetch_open_orders(symbol)]

    async def cancel_order(self, exchange_order_id: str, symbol: str) -> ExchangeOrder:
        paper = self._orders.get(exchange_order_id)
        if paper is not None and paper.is_open and paper.price is not None and \
                self._roll("fill after cancel", 2):
            # the market reaches the order while the cancel is on its way: it fills first, and
            # the cancel's answer is lost (the engine must learn the fill from a later sync)
            self.set_price(symbol, paper.price)
            raise ExchangeUnavailable("cancel: request timed out")
        return await super().cancel_order(exchange_order_id, symbol)

    def total_faults(self) -> int:
        return sum(v for k, v in self.faults.items() if k != "transport")


def deposit() -> dict[str, Decimal]:
    return {"USDT": Decimal("1000000")}

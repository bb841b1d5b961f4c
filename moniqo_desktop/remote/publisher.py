"""Server side of the window: keep the venue facts a `--connect` window needs in the store.

The serving engine holds the markets, the balances the venue last reported and the last prices
in memory only; a window on another machine cannot ask the venue (it has no keys). The
publisher listens to the engine's own events and writes each change as a venue fact
(`store.venue_facts`), NOTIFYing the kind a window refreshes on. Prices move every tick, so
they are written at most once per `prices_every` seconds (the newest always lands: a change
held back is written when the interval ends).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from decimal import Decimal
from typing import Any

from ..engine.events import AccountUpdated, PricesUpdated
from ..store import StoreError
from ..store.venue_facts import write_fact

log = logging.getLogger(__name__)


class FactsPublisher:
    """`FactsPublisher(engine, account).start()` on the server; `stop()` before the store
    closes."""

    def __init__(self, engine: Any, account: str, *, prices_every: float = 1.0) -> None:
        self.engine = engine
        self.account = account
        self.prices_every = prices_every
        self._prices: dict[str, Decimal] = {}
        self._prices_due: asyncio.TimerHandle | None = None
        self._prices_written_at: float | None = None
        self._markets_count = -1
        self._unsubscribe: list[Any] = []

    @property
    def store(self) -> Any:
        return self.engine.ctx.store

    def start(self) -> None:
        engine = self.engine
        exchange = engine.exchange
        fee = getattr(exchange, "fee_rate", None)
        self._write("venue", {"name": engine.exchange_name,
                              "poll_interval": str(engine.poll_interval),
                              "fee_rate": fee if isinstance(fee, Decimal) else None,
                              "allow_short": bool(getattr(exchange, "allow_short", False))},
                    None)
        self._markets_changed()
        balances = engine.balances()
        self._write("balances", {"balances": _balance_lists(balances), "as_of":
                                 engine.ctx.balances_at, "stale": False}, "balances")
        self._prices = engine.last_prices()
        self._write_prices()
        bus = engine.events
        self._unsubscribe = [bus.subscribe(self._on_account, AccountUpdated),
                             bus.subscribe(self._on_prices, PricesUpdated)]

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self._prices_due is not None:
            self._prices_due.cancel()
            self._prices_due = None
            self._write_prices()

    # -- events ----------------------------------------------------------------------------
    def _on_account(self, event: AccountUpdated) -> None:
        self._write("balances", {"balances": _balance_lists(event.balances),
                                 "as_of": event.as_of, "stale": event.stale}, "balances")

    def _on_prices(self, event: PricesUpdated) -> None:
        self._prices.update(event.prices)
        if self._prices_due is not None:
            return  # a write is already scheduled; it takes the newest prices
        loop = asyncio.get_running_loop()
        wait = 0.0 if self._prices_written_at is None else \
            self.prices_every - (loop.time() - self._prices_written_at)
        if wait <= 0:
            self._write_prices()
        else:
            self._prices_due = loop.call_later(wait, self._write_prices)

    # -- writing ---------------------------------------------------------------------------
    def _write_prices(self) -> None:
        self._prices_due = None
        try:
            self._prices_written_at = asyncio.get_running_loop().time()
        except RuntimeError:
            pass
        self._markets_changed()  # markets that could not load at start-up come with prices
        self._write("prices", {"prices": dict(self._prices)}, "prices")

    def _markets_changed(self) -> None:
        markets = self.engine.markets()
        if len(markets) != self._markets_count:
            self._markets_count = len(markets)
            self._write("markets", {s: dataclasses.asdict(m) for s, m in markets.items()},
                        None)

    def _write(self, name: str, value: Any, kind: str | None) -> None:
        try:
            write_fact(self.store, self.account, name, value, kind)
        except StoreError as exc:  # the windows see old figures; trading goes on
            log.warning("cannot publish %s for the windows: %s", name, exc)


def _balance_lists(balances: dict[str, tuple[Decimal, Decimal]]) -> dict[str, list[Decimal]]:
    return {c: [free, total] for c, (free, total) in balances.items()}

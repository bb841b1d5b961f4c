"""One composition for every front end: the exchange, the store, the engine and the price feed.

The window (app.py), the headless demo (headless.py) and the server service (server/) all run
the same engine on the same kinds of venue; only what they show differs. So building and tearing
down the working parts lives here, once, and each front end adds its own face on top:

    parts = await compose(target, exchange_id, sandbox=..., settings=..., bus=...)
    parts.start(feed_status)      # the engine's jobs and the paper market's price feed
    ...                            # the front end's own work
    await parts.close()           # feed stopped, engine closed (its store and venue with it)

Errors keep their meaning for the front end to word: `UserError` (the exchange cannot be used
as asked), `StoreError` (the database cannot be used, `StoreInUse` when another process holds
it); anything else is a bug. Whatever was built before a failure is closed again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Settings
from .startup_checks import UserError, check_exchange_id, check_flags_fit_venue, \
    check_price_feed, open_exchange

if TYPE_CHECKING:  # the engine, and SQLAlchemy with it, is imported by `compose()` only: a
    # front end starts its store file's check (`FileCheck`) before that import, not after
    from .engine import Engine
    from .engine.events import EventBus
    from .store.sqlite_file import FileCheck

log = logging.getLogger("moniqo_desktop")

FEED_SECONDS = 1.0
FEED_STOP_SECONDS = 5.0

FeedStatus = Callable[[bool, str], None]


async def feed_prices(exchange: object, stop: asyncio.Event,
                      on_status: FeedStatus | None = None) -> None:
    """Drive the paper exchange's price feed: the 'market' that moves while the app runs.

    `on_status(ok, why)` hears each change between "prices arrive" and "they do not" (a live
    feed with no network), so the trader is told instead of watching frozen prices."""
    tick = getattr(exchange, "tick", None)
    if tick is None:
        return
    feed = getattr(exchange, "feed", None)
    ok = True
    while not stop.is_set():
        error = ""
        try:
            await tick()
        except Exception as exc:  # a broken feed step must not end the market
            log.exception("price feed step failed")
            error = str(exc) or type(exc).__name__
        if not error and getattr(feed, "available", True) is False:
            error = getattr(feed, "last_error", None) or "no prices"
        if bool(not error) != ok:
            ok = not error
            if on_status is not None:
                on_status(ok, error)
            if error:
                log.warning("price feed: no prices (%s)", error)
        try:
            await asyncio.wait_for(stop.wait(), FEED_SECONDS)
        except asyncio.TimeoutError:
            pass


def choose_venue(settings: Settings, exchange: str | None, sandbox: bool,
                 price_feed: str | None) -> tuple[str, bool]:
    """The venue a front end's flags ask for (over the settings), checked before anything is
    built: an id ccxt does not know, a bad price feed or a flag that means nothing for the
    venue (the flags', not the settings') raises UserError."""
    exchange_id = exchange or settings.exchange
    check_exchange_id(exchange_id)
    check_flags_fit_venue(exchange_id, sandbox=sandbox, price_feed=price_feed)
    sandbox = sandbox or settings.sandbox
    if price_feed:
        check_price_feed(price_feed)
        settings.demo_price_feed = price_feed
    return exchange_id, sandbox


def check_venue_ready(exchange_id: str, sandbox: bool) -> None:
    """Missing keys for this mode or a venue lacking essentials: UserError (one clear line);
    what merely runs differently is logged. No usable keyring is not an error here: the venue
    then runs on public data and `make_exchange` says why."""
    if exchange_id in ("demo", "paper", ""):  # paper trading: no keys (nor keyring) to look at
        return
    from .exchanges.factory import VenueRefused, check_venue
    from .exchanges.keys import KeyStoreError

    try:
        for notice in check_venue(exchange_id, sandbox):
            log.warning("%s", notice)
    except VenueRefused as exc:
        raise UserError(str(exc)) from None
    except KeyStoreError:
        pass


def make_exchange(exchange_id: str, *, sandbox: bool, settings: Settings,
                  demo_step_seconds: float | None = None) -> tuple[Any, str | None]:
    """The venue and, when it runs with less than asked, a note saying why (raises UserError).

    `demo_step_seconds`: on the paper exchange's offline random walk, how much market each
    one-second tick plays (the headless demo plays minutes, so its exits happen while you
    watch)."""
    if demo_step_seconds is not None and exchange_id in ("demo", "paper") \
            and settings.demo_price_feed == "random":
        from .exchanges.demo import DemoExchange
        from .exchanges.price_feeds import RandomWalkFeed

        feed = RandomWalkFeed(step_seconds=demo_step_seconds)
        return DemoExchange(prices=feed.initial_prices(), feed=feed,
                            fee_rate=Decimal(settings.demo_fee_rate),
                            allow_short=settings.demo_allow_short), None
    return open_exchange(exchange_id, sandbox=sandbox, settings=settings)


@dataclass
class Composition:
    """The working parts of one running engine, torn down in order by `close`."""

    engine: Engine
    exchange: Any
    note: str | None = None
    """Why the venue runs with less than asked (e.g. no keyring: public data only)."""
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _feeder: asyncio.Future[None] | None = None

    def start_feed(self, on_status: FeedStatus | None = None) -> None:
        """Start the paper market's price feed (nothing on a real venue)."""
        if self._feeder is None:
            self._feeder = asyncio.ensure_future(feed_prices(self.exchange, self._stop,
                                                             on_status))

    def start(self, on_status: FeedStatus | None = None) -> None:
        """The engine's background jobs, and the price feed if not started yet."""
        self.start_feed(on_status)
        self.engine.start()

    async def close(self) -> None:
        """The engine's jobs stopped first, then the feed (it moves the venue), then the engine
        with its venue and store. The jobs go first because waiting on the feed yields to the
        loop: a job scheduled but not yet run (a quit at the first paint) would start a pass
        there only to be cancelled by the engine's close."""
        self._stop.set()
        await self.engine.stop_jobs()
        if self._feeder is not None:
            # Let a tick finish (it may be filling paper orders); a live feed stuck in a
            # request is cut off after a few seconds.
            await asyncio.wait({self._feeder}, timeout=FEED_STOP_SECONDS)
            self._feeder.cancel()
            await asyncio.gather(self._feeder, return_exceptions=True)
        await self.engine.close()


async def compose(target: str | Path, exchange_id: str, *, sandbox: bool, settings: Settings,
                  bus: EventBus | None = None, account: str | None = None,
                  demo_step_seconds: float | None = None,
                  early_check: FileCheck | None = None) -> Composition:
    """Build the venue, open the store as its one writer (`account` keys a server database's
    lock; `early_check`: its file's check, started ahead) and the engine on them (migrations
    and reconciliation included)."""
    from .engine import Engine

    exchange, note = make_exchange(exchange_id, sandbox=sandbox, settings=settings,
                                   demo_step_seconds=demo_step_seconds)
    try:
        engine = await Engine.open(target, exchange, settings=settings, bus=bus,
                                   account=account, early_check=early_check)
    except BaseException:
        await exchange.close()
        raise
    return Composition(engine, exchange, note)


__all__ = ["Composition", "FeedStatus", "check_venue_ready", "choose_venue", "compose",
           "feed_prices", "make_exchange"]

"""Headless demo: the engine on the paper exchange, no window, printing what it does.

`moniqo-desktop --headless --quit-after 30` opens a few protected positions on the offline random
walk, runs the background jobs, and narrates every event — a quick way to see the engine work
(and a smoke test of everything but the GUI).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from .compose import compose
from .config import Settings
from .domain.figures import (
    fmt_amount,
    fmt_fees,
    fmt_money,
    fmt_money_by_quote,
)
from .domain.orders import respell_fill_notes
from .engine import Engine
from .engine.context import market_price_text
from .engine.events import (
    AccountUpdated,
    ConnectionChanged,
    EngineError,
    Event,
    ExitTriggered,
    FillReceived,
    OrderChanged,
    PositionClosed,
    PositionOpened,
    PositionUpdated,
    PricesUpdated,
    UserMessage,
)
from .startup_checks import UserError
from .store import StoreError
from .store.sqlite_file import FileCheck

if TYPE_CHECKING:
    from .domain import Position
    from .exchanges.base import MarketInfo

DEMO_STEP_SECONDS = 120.0

DEMO_TRADES = [
    # symbol, side, notional in USDT, protection
    ("BTC/USDT", "buy", Decimal("2000"), {"stop_loss_pct": Decimal("0.3"),
                                           "trailing_stop_percent": Decimal("0.2")}),
    ("ETH/USDT", "sell", Decimal("1000"), {"stop_loss_pct": Decimal("0.3"),
                                            "take_profit_pct": Decimal("0.3")}),
    ("SOL/USDT", "buy", Decimal("500"), {"break_even_percent": Decimal("0.05"),
                                          "take_profit_pct": Decimal("0.4")}),
]


def describe(event: Event, markets: Mapping[str, MarketInfo] | None = None) -> str | None:
    """One narration line for `event` (None: not narrated), its figures written as the window
    writes them: prices with the market's tick (from `markets`) and grouped thousands."""
    t = event.at.strftime("%H:%M:%S")

    def price(symbol: str, value: Decimal | None) -> str:
        return market_price_text(markets or {}, symbol, value) or "None"

    def percent(value: Decimal | None) -> str:
        return "None" if value is None else f"{value.normalize():f}"

    match event:
        case OrderChanged(order=o):
            reason = respell_fill_notes(o.history[-1].reason, o.fills, fmt_amount,
                                        lambda v: price(o.symbol, v))
            return (f"{t} order  {o.symbol:<9} {o.side.value:<4} {o.type.value:<6} "
                    f"{fmt_amount(o.amount)} → {o.status.value} ({reason})")
        case FillReceived(order=o, fill=f):
            return (f"{t} fill   {o.symbol:<9} {fmt_amount(f.amount)} @ {price(o.symbol, f.price)} "
                    f"fee {', '.join(fmt_fees(f.fees(o.quote), o.quote)) or 'none'}")
        case PositionOpened(position=p):
            return (f"{t} OPEN   {p.symbol:<9} {p.side.value} {fmt_amount(p.amount)} @ "
                    f"{price(p.symbol, p.entry_price)} SL={price(p.symbol, p.stop_loss)} "
                    f"TP={price(p.symbol, p.take_profit)} "
                    f"trail={percent(p.trailing_stop_percent)}% "
                    f"BE={percent(p.break_even_percent)}%")
        case ExitTriggered(position=p, decision=d):
            return (f"{t} EXIT   {p.symbol:<9} {d.reason.value} at {price(p.symbol, d.price)} "
                    f"(level {price(p.symbol, d.level)})")
        case PositionClosed(position=p):
            return (f"{t} CLOSED {p.symbol:<9} {p.close_reason.value if p.close_reason else ''} "
                    f"realized {fmt_money(p.realized_pnl, currency=p.quote)} {p.quote}")
        case ConnectionChanged(state=s, detail=d):
            return f"{t} exchange {s.value} {d}"
        case EngineError(message=m):
            return f"{t} ERROR  {m}"
        case UserMessage() | PositionUpdated() | PricesUpdated() | AccountUpdated():
            return None
    return None


async def open_demo_positions(engine: Engine) -> None:
    prices = engine.last_prices()
    for symbol, side, notional, prot in DEMO_TRADES:
        if symbol not in engine.markets():
            continue
        price = prices.get(symbol) or (await engine.ctx.exchange.fetch_ticker(symbol)).last
        market = engine.markets()[symbol]
        amount = market.round_amount(notional / price)
        if side == "sell" and not engine.can_short(symbol):
            side = "buy"  # a spot (or paper without margin practice) account cannot short
        d = 1 if side == "buy" else -1
        kwargs: dict[str, Decimal] = {}
        if "stop_loss_pct" in prot:
            kwargs["stop_loss"] = market.round_price(price * (1 - d * prot["stop_loss_pct"] / 100))
        if "take_profit_pct" in prot:
            kwargs["take_profit"] = market.round_price(price * (1 + d * prot["take_profit_pct"] / 100))
        for key in ("trailing_stop_percent", "break_even_percent"):
            if key in prot:
                kwargs[key] = prot[key]
        await engine.place_order(symbol=symbol, side=side, type="market", amount=amount, **kwargs)


def closing_line(positions: list[Position]) -> str:
    """The last line of a headless run: what it holds and what it realized, one total per
    quote currency (as the History footer counts it: a position reduced and still open has
    booked its sold part's P&L too)."""
    open_count = sum(1 for p in positions if p.is_open)
    realized = fmt_money_by_quote((p.quote, p.realized_pnl) for p in positions
                                  if p.realized_pnl != 0)
    return (f"{open_count} open, {len(positions) - open_count} closed; "
            + (f"realized {realized}" if realized else "nothing realized"))


async def run_headless(db_path: Path, exchange_id: str, sandbox: bool, settings: Settings,
                       quit_after: float | None, early_check: FileCheck | None = None) -> int:
    """`early_check`: the store file's check, started before this module's imports (as the
    window's start does, `store.sqlite_file`)."""
    try:
        # Each one-second tick of the offline walk plays two minutes of market, so exits
        # happen within the demo.
        parts = await compose(db_path, exchange_id, sandbox=sandbox, settings=settings,
                              demo_step_seconds=DEMO_STEP_SECONDS, early_check=early_check)
    except (UserError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code if isinstance(exc, UserError) else 2
    engine = parts.engine
    if parts.note:
        print(f"note: {parts.note}", flush=True)

    def show(event: Event) -> None:
        line = describe(event, engine.ctx.markets)
        if line:
            print(line, flush=True)

    engine.events.subscribe(show)
    print(f"Moniqo headless on {engine.exchange_name} ({engine.venue_mode.label}); "
          f"store {db_path}", flush=True)

    def feed_status(ok: bool, why: str) -> None:
        print(f"prices {'are back' if ok else 'unavailable: ' + why}", flush=True)

    parts.start_feed(feed_status)
    try:
        if exchange_id in ("demo", "paper"):
            await open_demo_positions(engine)
        parts.start()
        if quit_after is not None:
            await asyncio.sleep(quit_after)
        else:
            await asyncio.Event().wait()
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    finally:
        print(closing_line(engine.positions()), flush=True)
        await parts.close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(asyncio.run(run_headless(Path("headless.sqlite3"), "demo", False, Settings(), 30)))

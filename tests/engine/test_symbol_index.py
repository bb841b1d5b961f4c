"""The engine finds a symbol's positions by look-up, not by scanning the book (#14, item 6).

With 1 000 open positions and a stream moving 50 symbols a tick, `PositionTracker.evaluate`
and `EngineContext.open_position` each walked every position on every tick (1-2 ms of the
GUI thread's loop per tick in the lag benchmark). The context now keeps its positions grouped
by symbol. These tests count positions looked at (reads of `symbol` / `is_open`); none of them
times anything.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

D = Decimal


@pytest.fixture
def demo():
    from moniqo_desktop.exchanges import DemoExchange

    return DemoExchange(prices={"BTC/USDT": D("50000")}, fee_rate=D("0.001"),
                        balances={"USDT": D("10000000")})


@pytest.fixture
def looked_at(monkeypatch):
    """How many times any position's `symbol` or `is_open` was read (a position looked at,
    whichever the scan reads first)."""
    from moniqo_desktop.domain import Position

    reads = [0]
    is_open = Position.is_open

    def open_read(self):
        reads[0] += 1
        return is_open.fget(self)

    def symbol_read(self):
        reads[0] += 1
        return self.__dict__["symbol"]

    def symbol_write(self, value):
        self.__dict__["symbol"] = value

    monkeypatch.setattr(Position, "is_open", property(open_read))
    monkeypatch.setattr(Position, "symbol", property(symbol_read, symbol_write), raising=False)
    return reads


async def book(engine, demo, n: int) -> list:
    for i in range(n):
        symbol = f"C{i:04d}/USDT"
        demo.set_price(symbol, D(100 + i))
        await engine.place_order(symbol=symbol, side="buy", type="market", amount="1")
    return engine.positions(open_only=True)


async def test_a_tick_on_a_few_symbols_looks_only_at_their_positions(engine, demo, looked_at):
    """Before: each streamed batch read the symbol of all 200 positions (and `open_position`
    walked them again); now only the two moved symbols' positions are looked at."""
    positions = await book(engine, demo, 200)
    moved = {p.symbol: p.entry_price * D("1.01") for p in positions[:2]}
    engine.tracker.apply_prices(moved)
    looked_at[0] = 0
    await engine.tracker.evaluate(moved)
    assert looked_at[0] <= 10 * len(moved), looked_at[0]
    assert all(p.current_price == moved[p.symbol] for p in positions[:2])
    assert all(p.current_price == p.entry_price for p in positions[2:])

    looked_at[0] = 0
    assert engine.ctx.open_position(positions[-1].symbol) is positions[-1]
    assert engine.ctx.open_position("NOPE/USDT") is None
    assert looked_at[0] <= 2


async def test_a_full_evaluation_still_marks_every_open_position(engine, demo, clock):
    positions = await book(engine, demo, 45)
    clock.advance(seconds=10)
    for p in positions:
        demo.set_price(p.symbol, p.entry_price * D("1.02"))
    await engine.tracker.refresh_prices()
    await engine.tracker.evaluate()  # every known price
    assert all(p.current_price == p.entry_price * D("1.02") for p in positions)


async def test_opened_closed_and_reopened_on_one_symbol_is_found(engine, demo, clock):
    """The index holds positions, not their status: a closed position is never taken for
    the symbol's open one, and the one opened after it is found and evaluated."""
    symbol = "BTC/USDT"
    await engine.place_order(symbol=symbol, side="buy", type="market", amount="0.1")
    first = engine.ctx.open_position(symbol)
    assert first is not None
    await engine.close_position(first.id)
    assert not first.is_open
    assert engine.ctx.open_position(symbol) is None

    await engine.place_order(symbol=symbol, side="buy", type="market", amount="0.2")
    second = engine.ctx.open_position(symbol)
    assert second is not None and second.id != first.id and second.amount == D("0.2")
    assert [p.id for p in engine.ctx.positions_on(symbol)] == [first.id, second.id]

    clock.advance(seconds=1)
    engine.tracker.apply_prices({symbol: D("51000")})
    await engine.tracker.evaluate({symbol: D("51000")})
    assert second.current_price == D("51000")
    assert first.current_price != D("51000")  # a closed position is not marked again


async def test_a_forgotten_position_leaves_the_index(engine, demo, clock):
    symbol = "BTC/USDT"
    await engine.place_order(symbol=symbol, side="buy", type="market", amount="0.1")
    first = engine.ctx.open_position(symbol)
    await engine.close_position(first.id)
    await engine.place_order(symbol=symbol, side="buy", type="market", amount="0.1")
    second = engine.ctx.open_position(symbol)
    clock.advance(days=400)
    engine.forget_old_history()
    assert first.id not in engine.ctx.positions
    assert [p.id for p in engine.ctx.positions_on(symbol)] == [second.id]
    assert engine.ctx.open_position(symbol) is second

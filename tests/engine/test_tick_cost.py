"""A tick costs the engine what moved, in short steps, and still reaches the screen (#14).

The lag benchmark's profile (1 000 positions) showed single engine steps holding the qasync
loop - so the window - for hundreds of milliseconds: the periodic full evaluation marked every
position in one go, then wrote every mark in one transaction. And a tick that did not write
the marks was never announced, so the window showed stale P&L. Later (1 000 positions, a
price stream and the periodic poll every 2 s): the poll re-announced and re-wrote all 1 000
positions although the stream had already applied every one of their prices, single loop turns
marked 20 positions and then wrote 25 rows and announced 20 more, and the resting-stop check
ran over the whole book in one turn. These tests count (steps, batch sizes, events, work per
loop turn); none of them times anything.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal

import pytest

D = Decimal


@pytest.fixture
def settings():
    from moniqo_desktop.config import Settings

    return Settings(update_log_min_seconds=0, position_save_seconds=5)


@pytest.fixture
def demo():
    from moniqo_desktop.exchanges import DemoExchange

    return DemoExchange(prices={"BTC/USDT": D("50000")}, fee_rate=D("0.001"),
                        balances={"USDT": D("10000000")})


class LoopTurns:
    """Counts the event loop's turns while in use: a task that adds one and yields, so `n`
    moves between any two pieces of work that gave the loop back between them."""

    def __init__(self) -> None:
        self.n = 0
        self._task: asyncio.Future | None = None

    async def __aenter__(self) -> "LoopTurns":
        self._task = asyncio.ensure_future(self._count())
        await asyncio.sleep(0)
        self.n = 0
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()

    async def _count(self) -> None:
        while True:
            self.n += 1
            await asyncio.sleep(0)


def stored(engine, position_id):
    return engine.ctx.store.get_position(position_id)


async def test_a_tick_between_mark_writes_still_reaches_the_screen(engine, demo, clock):
    """Throttling the writes must not throttle the truth: every tick that moves a position
    announces it (before: only ticks that also wrote the marks did, so P&L on screen could
    stay stale for `position_save_seconds` or, for a symbol that then went quiet, longer)."""
    from moniqo_desktop.engine.events import PositionUpdated

    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = engine.positions()
    await engine.run_cycle()  # the first tick writes
    shown: list[Decimal] = []  # the price each announcement carried when it was made
    engine.events.subscribe(lambda e: shown.append(e.position.current_price), PositionUpdated)
    clock.advance(seconds=1)
    demo.set_price("BTC/USDT", D("50500"))
    await engine.run_cycle()  # throttled write
    assert stored(engine, position.id).current_price != D("50500")
    assert shown and shown[-1] == D("50500")


async def many_positions(engine, demo, n: int, **protection) -> list:
    for i in range(n):
        symbol = f"C{i:04d}/USDT"
        demo.set_price(symbol, D(100 + i))
        await engine.place_order(symbol=symbol, side="buy", type="market", amount="1",
                                 **(protection or {"stop_loss": str(50 + i // 2)}))
    return engine.positions(open_only=True)


async def test_a_full_evaluation_gives_the_loop_back_between_steps(engine, demo, clock):
    """Marking the whole book is split into steps of `STEP_POSITIONS`, with the event loop
    free between them (the window paints), instead of one step over every position."""
    import asyncio

    from moniqo_desktop.engine.position_tracker import STEP_POSITIONS

    n = 2 * STEP_POSITIONS + 1
    await many_positions(engine, demo, n)
    clock.advance(seconds=10)
    for p in engine.positions(open_only=True):
        demo.set_price(p.symbol, p.entry_price * D("1.01"))
    await engine.tracker.refresh_prices()
    async with LoopTurns() as turns:
        await engine.tracker.evaluate()
    assert turns.n >= 3  # at least once per step
    assert all(p.current_price == p.entry_price * D("1.01")
               for p in engine.positions(open_only=True))


async def test_many_marks_are_written_in_batches(engine, demo, clock):
    """A write of every mark in one transaction held the loop for its whole length; batches
    of at most `WRITE_BATCH` rows, with the loop free between them, write the same rows."""
    from moniqo_desktop.engine.position_tracker import WRITE_BATCH

    n = 2 * WRITE_BATCH + 1
    positions = await many_positions(engine, demo, n)
    await engine.run_cycle()
    clock.advance(seconds=10)
    for p in positions:
        demo.set_price(p.symbol, p.entry_price * D("1.02"))
    sizes: list[int] = []
    save = engine.ctx.store.save_marks
    engine.ctx.store.save_marks = lambda objs: (sizes.append(len(objs)), save(objs))[1]
    await engine.run_cycle()
    assert sizes and max(sizes) <= WRITE_BATCH and sum(sizes) >= n
    for p in positions:
        assert stored(engine, p.id).current_price == p.entry_price * D("1.02")



async def test_a_paper_price_move_looks_only_at_that_symbols_working_orders(monkeypatch):
    """The paper venue matched a moved symbol by scanning every order the account ever had
    (1 000 filled orders: 1 000 checks per symbol per tick). Now it looks at the working
    orders of that symbol only; matching itself is unchanged."""
    from moniqo_desktop.domain import Order
    from moniqo_desktop.exchanges import DemoExchange
    from moniqo_desktop.exchanges.demo_orders import PaperOrder

    demo = DemoExchange(prices={f"C{i:03d}/USDT": D(100 + i) for i in range(200)},
                        fee_rate=D("0.001"), balances={"USDT": D("10000000")})
    for i in range(200):
        await demo.create_order(Order(symbol=f"C{i:03d}/USDT", side="buy", type="market",
                                      amount=D("1")))
    resting = (await demo.create_order(Order(symbol="C007/USDT", side="sell", type="limit",
                                             amount=D("0.5"), price=D("110")))).exchange_order_id
    looked: list[str] = []
    is_open = PaperOrder.is_open
    monkeypatch.setattr(PaperOrder, "is_open",
                        property(lambda o: (looked.append(o.id), is_open.fget(o))[1]))
    demo.set_price("C100/USDT", D("201"))
    assert len(looked) <= 1  # nothing works on C100 (at most the index's first build)
    looked.clear()
    demo.set_price("C007/USDT", D("111"))  # reaches the resting sell: it fills
    assert resting in looked and set(looked) == {resting}
    assert (await demo.fetch_order("C007/USDT", resting)).status.value == "filled"


async def test_an_evaluation_cancelled_between_steps_loses_no_protection_move(db_path, demo,
                                                                                settings, clock):
    """Closing the app cancels a running evaluation at one of its steps. A trailing stop it
    already moved in memory must still reach the disk (close writes what is pending), as it
    did when the whole evaluation was one step."""
    import asyncio

    from moniqo_desktop.engine import Engine
    from moniqo_desktop.engine.position_tracker import STEP_POSITIONS
    from moniqo_desktop.store import Store

    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    n = 3 * STEP_POSITIONS
    for i in range(n):
        symbol = f"C{i:04d}/USDT"
        demo.set_price(symbol, D(100 + i))
        await engine.place_order(symbol=symbol, side="buy", type="market", amount="1",
                                 trailing_stop_percent="5")
    clock.advance(seconds=10)
    prices = {p.symbol: p.entry_price * D("1.10") for p in engine.positions(open_only=True)}
    engine.tracker.apply_prices(prices)
    run = asyncio.ensure_future(engine.tracker.evaluate(prices))
    for _ in range(2):  # into the second step: some stops moved, none written yet
        await asyncio.sleep(0)
    run.cancel()
    await asyncio.gather(run, return_exceptions=True)
    moved = {p.id: p.stop_loss for p in engine.positions(open_only=True)
             if p.high_water_mark > p.entry_price}
    assert 0 < len(moved) < n
    await engine.close()
    with Store.open(db_path) as store:
        for position_id, stop in moved.items():
            assert store.get_position(position_id).stop_loss == stop


def announced(engine) -> list:
    from moniqo_desktop.engine.events import PositionUpdated

    seen: list = []
    engine.events.subscribe(lambda e: seen.append(e.position.id), PositionUpdated)
    return seen


def count_mark_rows(engine) -> list[int]:
    sizes: list[int] = []
    save = engine.ctx.store.save_marks
    engine.ctx.store.save_marks = lambda objs: (sizes.append(len(objs)), save(objs))[1]
    return sizes


async def test_a_pass_over_prices_already_applied_announces_and_writes_nothing(
        engine, demo, clock):
    """The poll after a stream tick finds every position at the price the tick gave it:
    nothing to show, nothing to write (before: every position announced - 1 000 row updates
    in the window every 2 s - and written again)."""
    engine.ctx.settings.update_log_min_seconds = 60  # chart samples on a real move only
    positions = await many_positions(engine, demo, 30)
    clock.advance(seconds=10)
    prices = {p.symbol: p.entry_price * D("1.01") for p in positions}
    engine.tracker.apply_prices(prices)
    await engine.tracker.evaluate(prices)  # the stream's tick: every position moved
    seen = announced(engine)
    rows = count_mark_rows(engine)
    unchanged = engine.tracker.unchanged
    clock.advance(seconds=10)  # the marks' save is due: anything pending would be written
    await engine.tracker.evaluate()  # the poll: the same prices
    assert seen == []
    assert sum(rows) == 0
    assert engine.tracker.unchanged - unchanged == len(positions)
    # a real move is news again
    moved = positions[3]
    await engine.tracker.evaluate({moved.symbol: moved.current_price * D("1.01")})
    assert seen == [moved.id]


async def test_a_quiet_pass_still_checks_every_resting_stop(engine, demo, clock):
    """Nothing changed is no reason to skip the resting-stop check: a stop that failed to go
    out is placed by a later pass, in a quiet market too."""
    positions = await many_positions(engine, demo, 5, stop_loss="50")
    await engine.tracker.evaluate()
    synced: list[str] = []
    sync = engine.tracker.protective.sync
    engine.tracker.protective.sync = lambda p, **kw: (synced.append(p.id), sync(p, **kw))[1]
    await engine.tracker.evaluate()  # nothing moved
    assert sorted(synced) == sorted(p.id for p in positions)


async def test_a_quiet_pass_writes_the_marks_an_earlier_tick_left_pending(engine, demo, clock):
    """Marks are written at most every `position_save_seconds`; a tick inside that time leaves
    them pending. A later pass that changes nothing must still write them once their time
    came, or a quiet market would keep them off the disk until the next move."""
    engine.ctx.settings.update_log_min_seconds = 60  # a repeat pass logs no chart sample
    [position] = await many_positions(engine, demo, 1)
    await engine.tracker.evaluate({position.symbol: position.current_price * D("1.01")})
    assert engine.ctx.store.get_position(position.id).current_price == \
        position.current_price  # written now
    clock.advance(seconds=1)
    new = position.current_price * D("1.02")
    await engine.tracker.evaluate({position.symbol: new})  # throttled: pending
    assert engine.ctx.store.get_position(position.id).current_price != new
    clock.advance(seconds=10)
    await engine.tracker.evaluate({position.symbol: new})  # the same price: a quiet pass
    assert engine.ctx.store.get_position(position.id).current_price == new


async def test_no_loop_turn_holds_more_than_one_step_of_one_kind_of_work(
        engine, demo, clock, monkeypatch):
    """A full pass in which every position moves and every trailing stop follows: per turn
    of the event loop, one kind of work (marking, writing, announcing, resting-stop checks)
    and at most one step of it. Before: the turn that marked the last positions also wrote
    the first batch of rows and announced the first positions, the marks' batch and the chart
    samples' batch shared a turn, and the resting-stop check ran over the book in one turn."""
    from moniqo_desktop.domain import Position
    from moniqo_desktop.engine.events import PositionUpdated
    from moniqo_desktop.engine.position_tracker import STEP_POSITIONS, WRITE_BATCH

    n = 3 * STEP_POSITIONS + 7
    positions = await many_positions(engine, demo, n, trailing_stop_percent="5")
    await engine.run_cycle()
    clock.advance(seconds=61)  # marks due, chart samples due
    prices = {p.symbol: p.entry_price * D("1.03") for p in positions}
    engine.tracker.apply_prices(prices)

    turns = LoopTurns()
    work: dict[int, Counter] = {}

    def note(kind: str, units: int = 1) -> None:
        work.setdefault(turns.n, Counter())[kind] += units

    update_price = Position.update_price
    monkeypatch.setattr(Position, "update_price",
                        lambda self, *a, **k: (note("mark"), update_price(self, *a, **k))[1])
    store = engine.ctx.store
    save_marks, add_updates = store.save_marks, store.add_position_updates
    store.save_marks = lambda objs: (note("write", len(objs)), save_marks(objs))[1]
    store.add_position_updates = lambda rows: (note("write", len(rows)),
                                               add_updates(rows))[1]
    engine.events.subscribe(lambda e: note("announce"), PositionUpdated)
    sync = engine.tracker.protective.sync
    engine.tracker.protective.sync = lambda p, **kw: (note("stop check"), sync(p, **kw))[1]

    async with turns:
        await engine.tracker.evaluate(prices)

    totals = sum(work.values(), Counter())
    assert totals["mark"] == totals["announce"] == totals["stop check"] == n
    assert totals["write"] >= 2 * n  # marks and a chart sample of each
    limit = {"mark": STEP_POSITIONS, "announce": STEP_POSITIONS,
             "stop check": STEP_POSITIONS, "write": WRITE_BATCH}
    for at, done in sorted(work.items()):
        assert len(done) == 1, f"turn {at} mixed {dict(done)}"
        [(kind, units)] = done.items()
        assert units <= limit[kind], f"turn {at}: {units} x {kind}"

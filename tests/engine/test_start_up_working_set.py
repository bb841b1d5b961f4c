"""A start reads only the engine's working set from the store, not the whole history (#14).

What an engine keeps in memory is fixed by `engine.history`: open orders and positions, what
finished within `history_in_memory_days`, and every order of an open position. A start used to
read every order and position ever stored and then drop the old ones, so its time grew with
the years of history; now the store is asked for the working set, and `orders()` and
`positions()` answer exactly as before.
"""

from __future__ import annotations

from decimal import Decimal

from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.store import repository

D = Decimal


def paper(clock) -> DemoExchange:
    return DemoExchange(prices={"BTC/USDT": D("50000"), "ETH/USDT": D("3000")},
                        balances={"USDT": D("100000")}, clock=clock)


async def round_trip(engine: Engine) -> list[str]:
    entry = await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                     amount="0.1")
    position = engine.ctx.position_for_entry(entry.id)
    assert position is not None
    exit_order = await engine.close_position(position.id)
    return [entry.id, exit_order.id]


async def test_a_start_reads_the_working_set_and_answers_as_before(db_path, settings, clock,
                                                                   monkeypatch):
    engine = await Engine.open(db_path, paper(clock), settings=settings, clock=clock)
    old_trip = await round_trip(engine)
    held = await engine.place_order(symbol="ETH/USDT", side="buy", type="market", amount="1")
    old_cancel = await engine.place_order(symbol="ETH/USDT", side="buy", type="limit",
                                          amount="1", price="2000")
    await engine.cancel_order(old_cancel.id)
    old_closed = [p.id for p in engine.positions() if not p.is_open]
    clock.advance(days=settings.history_in_memory_days + 3)
    recent_trip = await round_trip(engine)
    resting = await engine.place_order(symbol="ETH/USDT", side="buy", type="limit",
                                       amount="1", price="2100")
    await engine.close()

    built: list[str] = []
    build_order = repository.build_order

    def counted(row, fills, history):
        built.append(row["id"])
        return build_order(row, fills, history)

    monkeypatch.setattr(repository, "build_order", counted)
    again = await Engine.open(db_path, paper(clock), settings=settings, clock=clock)
    try:
        working = {held.id, *recent_trip, resting.id}  # the held position's old entry stays
        assert {o.id for o in again.orders()} == working
        assert sorted(built) == sorted(working)  # nothing older was even read
        assert not {*old_trip, old_cancel.id} & {o.id for o in again.orders()}
        positions = again.positions()
        assert len(positions) == 2 and not set(old_closed) & {p.id for p in positions}
        assert [p.symbol for p in again.positions(open_only=True)] == ["ETH/USDT"]
        # the history is all still there, read on demand
        assert {*old_trip, old_cancel.id} <= {o.id for o in again.order_history()}
        assert set(old_closed) <= {p.id for p in again.position_history()}
    finally:
        await again.close()


async def test_a_start_on_a_paper_account_writes_nothing_to_it(db_path, settings, clock):
    """The paper venue is built with its markets, then resumes the account its journal holds
    (the same markets among them): a start used to write those markets straight back, one
    write transaction before the window could show anything (#14, start-up)."""
    engine = await Engine.open(db_path, paper(clock), settings=settings, clock=clock)
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    await engine.close()

    venue = paper(clock)
    again = await Engine.open(db_path, venue, settings=settings, clock=clock)
    try:
        journal = venue._books.journal
        assert journal is not None and journal.writes == 0
        assert [p.symbol for p in again.positions(open_only=True)] == ["BTC/USDT"]
        venue.set_price("SOL/USDT", D("150"))  # a market the journal does not hold yet
        await again.run_cycle()
        assert "market:SOL/USDT" in journal.load(None, open_only=True).meta
    finally:
        await again.close()

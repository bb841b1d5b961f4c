"""The window's copies of positions leave the garbage collector almost nothing to follow (#14,
lag worst case).

`bench_lag.py` (1 000 positions): a full collection of 38.7 ms was the worst step of a run, and
every collection's time went on following references, each a cache miss into a 200 MB heap.
The table keeps one frozen copy per row, and each copy's ~32 attributes were followed by every
collection that saw it: ~40 % of a full one, most of the frequent young ones. These tests count
references; none of them times anything.
"""

from __future__ import annotations

import dataclasses
import gc
from decimal import Decimal

from moniqo_desktop.domain import Position, PositionSide, PositionStatus
from moniqo_desktop.domain.positions import ExitReason, RiskThresholds
from moniqo_desktop.engine.events import PositionUpdated
from moniqo_desktop.ui.event_pump import EventPump
from moniqo_desktop.ui.position_snapshot import PositionSnapshot

from window_harness import until_idle

D = Decimal
PRICES = {f"C{i:03d}/USDT": D(100 + i) for i in range(40)}


def followed(obj: object) -> int:
    """References a collection follows from `obj` and from what it holds that is tracked."""
    own = gc.get_referents(obj)
    return len(own) + sum(len(gc.get_referents(r)) for r in own
                          if gc.is_tracked(r) and r is not type(obj))


def test_the_tables_rows_leave_a_collection_two_references_each(run):
    async def scenario(window, engine, exchange):
        for symbol, price in PRICES.items():
            await engine.place_order(symbol=symbol, side="buy", type="market", amount="1",
                                     stop_loss=price * D("0.9"))
        for symbol, price in PRICES.items():
            exchange.set_price(symbol, price + 1)
        await engine.run_cycle()
        await until_idle()
        rows = window.positions.model.objects()
        assert len(rows) == len(PRICES)
        assert all(r.current_price == PRICES[r.symbol] + 1 for r in rows)  # copies of now
        per_row = [followed(r) for r in rows]
        assert max(per_row) <= 2, f"a row's copy has {max(per_row)} references to follow"

    run(scenario, prices=PRICES)


def pumped(position: Position) -> Position:
    delivered: list[PositionUpdated] = []
    pump = EventPump(delivered.append)
    pump.receive(PositionUpdated(position))
    pump.flush()
    return delivered[0].position


def test_a_copy_is_the_position_with_the_same_enums_and_thresholds(qapp):
    thresholds = RiskThresholds(stop_share=(D("0.1"), D("0.2"), D("0.3")))
    position = Position(symbol="BTC/USDT", side="short", amount=D("2"), entry_price=D("100"),
                        stop_loss=D("110"), risk_thresholds=thresholds)
    position.update_price(D("104"))
    shown = pumped(position)
    assert isinstance(shown, Position) and shown is not position
    for f in dataclasses.fields(Position):
        assert getattr(shown, f.name) == getattr(position, f.name), f.name
    assert shown.side is PositionSide.SHORT and shown.status is PositionStatus.OPEN
    assert shown.stop_source is ExitReason.STOP_LOSS and shown.close_reason is None
    assert shown.risk_thresholds == thresholds
    assert (shown.risk_level, shown.unrealized_pnl, shown.is_open) == (
        position.risk_level, position.unrealized_pnl, position.is_open)
    assert followed(shown) <= 2
    again = pumped(shown)  # a copy of a copy (the history view copies what it shows)
    assert again.side is PositionSide.SHORT and again.risk_thresholds == thresholds


def test_a_copy_changed_through_the_domain_reads_back_what_was_set(qapp):
    position = Position(symbol="BTC/USDT", side="long", amount=D("1"), entry_price=D("100"))
    shown = pumped(position)
    closed = dataclasses.replace(shown, status="closed", close_reason=ExitReason.TAKE_PROFIT)
    assert isinstance(closed, PositionSnapshot)
    assert closed.status is PositionStatus.CLOSED and closed.close_reason is ExitReason.TAKE_PROFIT
    assert shown.status is PositionStatus.OPEN  # the copy it came from is as it was
    shown.update_price(D("90"))
    assert shown.current_price == D("90") and position.current_price == D("100")
    assert followed(shown) <= 2 and followed(closed) <= 2

"""Engine events reach the widgets as frozen snapshots through the event loop, coalesced.

The issue's reproduction: an engine event ran widget code inside the engine's own call stack
(`place_order > … > publish > _on_position_selected > engine.position_updates`)."""

from __future__ import annotations

import dataclasses
import traceback
from decimal import Decimal

from moniqo_desktop.engine.events import PositionUpdated, PricesUpdated
from moniqo_desktop.ui.event_pump import EventPump

from window_harness import until, until_idle

D = Decimal


def test_widget_code_never_runs_inside_the_engines_call_stack(run):
    stacks: list[list[str]] = []

    async def scenario(window, engine, exchange):
        original = window._on_position_selected

        def spy(position_id):
            stacks.append([f.name for f in traceback.extract_stack()])
            original(position_id)

        window.positions.selected.disconnect()
        window.positions.selected.connect(spy)
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
        assert stacks == []  # place_order returned before any widget heard of the position
        await until(lambda: bool(stacks))
        assert not {"place_order", "publish", "evaluate"} & set(stacks[0])

    run(scenario)


def test_a_burst_of_updates_is_delivered_once_per_position_with_the_newest_state(run):
    async def scenario(window, engine, exchange):
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
        await until_idle()
        seen: list[object] = []
        route = window.events._route
        window.events._route = lambda e: (seen.append(e), route(e))
        [position] = engine.positions()
        for price in range(50001, 50101):  # 100 engine steps with no await between them
            position.update_price(D(price))
            engine.events.publish(PositionUpdated(position))
        assert seen == []  # nothing delivered inside the engine's steps
        await until_idle()
        updates = [e for e in seen if isinstance(e, PositionUpdated)]
        assert len(updates) == 1 and updates[0].position.current_price == D(50100)
        assert window.positions.model.objects()[0].current_price == D(50100)

    run(scenario)


def test_snapshots_are_frozen(qapp):
    from moniqo_desktop.domain import Order

    delivered: list[object] = []
    pump = EventPump(delivered.append)
    order = Order(symbol="BTC/USDT", side="buy", type="limit", amount="1", price="100")
    from moniqo_desktop.engine.events import OrderChanged

    pump.receive(OrderChanged(order))
    order.update_status("submitted", "sent")  # the engine goes on changing its object
    pump.receive(PricesUpdated({"BTC/USDT": D(1)}))
    pump.receive(PricesUpdated({"ETH/USDT": D(2)}))
    pump.flush()
    changed, prices = delivered
    assert changed.order is not order and changed.order.status.value == "pending"
    assert len(changed.order.history) == 1 and len(order.history) == 2
    assert prices.prices == {"BTC/USDT": D(1), "ETH/USDT": D(2)}  # merged, one delivery


def test_a_snapshot_copies_state_without_rebuilding_the_object(qapp, monkeypatch):
    """The pump snapshots every announcement (1 000 positions: 1 000 copies per poll): a copy
    of the attributes, with no constructor, validation or `copy` protocol run per snapshot,
    and still independent of the engine's object (its lists too)."""
    from moniqo_desktop.domain import Order, Position
    from moniqo_desktop.engine.events import OrderChanged

    position = Position(symbol="BTC/USDT", side="long", amount=D("1"), entry_price=D("100"))
    order = Order(symbol="BTC/USDT", side="buy", type="limit", amount="1", price="100")
    built: list[str] = []
    for cls in (Position, Order):
        post_init = cls.__post_init__
        monkeypatch.setattr(cls, "__post_init__",
                            lambda self, _p=post_init: (built.append(type(self).__name__),
                                                        _p(self))[1])
    import copy

    copied: list[object] = []
    monkeypatch.setattr(copy, "copy", lambda obj: copied.append(obj) or obj)
    delivered: list[object] = []
    pump = EventPump(delivered.append)
    pump.receive(PositionUpdated(position))
    pump.receive(OrderChanged(order))
    pump.flush()
    assert built == [] and copied == []
    shown_position, shown_order = (e.position if hasattr(e, "position") else e.order
                                   for e in delivered)
    assert shown_position is not position
    assert all(getattr(shown_position, f.name) == getattr(position, f.name)
               for f in dataclasses.fields(Position))
    assert shown_order is not order and shown_order.history is not order.history
    order.update_status("submitted", "sent")
    position.update_price(D("101"))
    assert shown_order.status.value == "pending" and len(shown_order.history) == 1
    assert shown_position.current_price == D("100")

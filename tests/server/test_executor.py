"""The command executor in-process, on a real SQLite store and the paper exchange: each command
kind carried out once, and a command a previous server left running (claimed, maybe half done)
completed from what it left — the close's exit and the cancel are never sent twice.

The same recovery against a real SIGKILL on PostgreSQL is in test_serve.py (the kill test).
"""

from __future__ import annotations

import uuid
from decimal import Decimal as D
from pathlib import Path

from moniqo_desktop.domain import OrderStatus
from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.server.executor import CommandExecutor, client_order_id_for
from moniqo_desktop.store.commands import (
    CommandStatus,
    claim_next,
    get_command,
    submit_command,
)

ACCOUNT = "acct"


async def open_engine(tmp_path: Path) -> Engine:
    venue = DemoExchange(prices={"BTC/USDT": D("50000")}, balances={"USDT": D("10000")})
    return await Engine.open(tmp_path / "moniqo.sqlite3", venue)


def queue(engine: Engine, kind: str, payload: dict) -> str:
    command_id = uuid.uuid4().hex
    submit_command(engine.ctx.store, command_id=command_id, account=ACCOUNT, kind=kind,
                   payload=payload, client="test:1")
    return command_id


async def test_each_kind_runs_once_with_the_engine_s_own_refusals(tmp_path: Path) -> None:
    engine = await open_engine(tmp_path)
    executor = CommandExecutor(engine, ACCOUNT)
    try:
        buy = queue(engine, "place_order", {"symbol": "BTC/USDT", "side": "buy",
                                            "type": "market", "amount": "0.02"})
        limit = queue(engine, "place_order", {"symbol": "BTC/USDT", "side": "buy",
                                              "type": "limit", "amount": "0.01",
                                              "price": "40000"})
        bogus = queue(engine, "place_order", {"symbol": "BTC/USDT", "side": "buy",
                                              "type": "market", "amount": "0.01",
                                              "leverage": "100"})
        assert await executor.drain() == 3
        store = engine.ctx.store
        order = engine.order(get_command(store, buy).result["order_id"])
        assert order.client_order_id == client_order_id_for(buy)
        assert order.status is OrderStatus.FILLED
        assert get_command(store, bogus).error == "place_order has no field leverage"
        position = engine.positions(open_only=True)[0]

        protect = queue(engine, "update_protection", {"position_id": position.id,
                                                      "stop_loss": "45000"})
        cancel = queue(engine, "cancel_order",
                       {"order_id": get_command(store, limit).result["order_id"]})
        again = queue(engine, "cancel_order",
                      {"order_id": get_command(store, limit).result["order_id"]})
        close = queue(engine, "close_position", {"position_id": position.id,
                                                 "amount": "0.01"})
        assert await executor.drain() == 4
        assert get_command(store, protect).result == {"position_id": position.id}
        assert engine.position(position.id).stop_loss == D("45000")
        assert get_command(store, cancel).status is CommandStatus.DONE
        refused = get_command(store, again)  # a second cancel: local mode's refusal
        assert refused.status is CommandStatus.REFUSED and refused.error
        exit_order = engine.order(get_command(store, close).result["order_id"])
        assert exit_order.client_order_id == client_order_id_for(close)
        assert engine.position(position.id).amount == D("0.01")  # a partial close
    finally:
        await engine.close()


async def test_a_command_left_running_is_completed_from_what_it_left(tmp_path: Path) -> None:
    """The first server sent the close's exit and the cancel, then died before writing the
    results; the next one completes both without sending anything again."""
    engine = await open_engine(tmp_path)
    try:
        buy = await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                       amount="0.02")
        limit = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                         amount="0.01", price="40000")
        position = engine.positions(open_only=True)[0]
        assert position.entry_order_id == buy.id
        close = queue(engine, "close_position", {"position_id": position.id})
        cancel = queue(engine, "cancel_order", {"order_id": limit.id})
        store = engine.ctx.store
        for _ in range(2):
            claim_next(store, ACCOUNT)  # both running, as the dead server left them
        await engine.cancel_order(limit.id)
        await engine.close_position(position.id, client_order_id=client_order_id_for(close))
        sent = _venue_orders(engine)
    finally:
        await engine.close()

    engine = await open_engine(tmp_path)  # the next server
    try:
        store = engine.ctx.store
        assert await CommandExecutor(engine, ACCOUNT).recover() == 2
        closed, cancelled = get_command(store, close), get_command(store, cancel)
        assert closed.status is CommandStatus.DONE and cancelled.status is CommandStatus.DONE
        exits = [o for o in engine.order_history()
                 if o.client_order_id == client_order_id_for(close)]
        assert [o.id for o in exits] == [closed.result["order_id"]]
        assert cancelled.result == {"order_id": limit.id}
        assert _venue_orders(engine) == sent  # nothing sent again
    finally:
        await engine.close()


def _venue_orders(engine: Engine) -> list[str]:
    from moniqo_desktop.store.paper_journal import PaperJournal

    return [o["id"] for o in PaperJournal(engine.ctx.store, "demo").all_orders()]

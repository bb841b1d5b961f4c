"""A server for the window tests: the real `Engine` on a PostgreSQL schema, executing the
commands table, beating, publishing its venue facts and NOTIFYing what it wrote.

(A helper module, not a test.) It is the server side of the contract run in-process, on the
same loop as the windows, so a test can step it: `await server.step()` is one server poll
(heartbeat, queued commands, one engine cycle, notifications).
"""

from __future__ import annotations

import asyncio
import os
import socket
from dataclasses import replace
from decimal import Decimal
from typing import Any

from moniqo_desktop import __version__
from moniqo_desktop.domain import DomainError, Order
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.events import OrderChanged, PositionUpdated, PositionOpened, \
    PositionClosed
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.remote import FactsPublisher
from moniqo_desktop.store import notify
from moniqo_desktop.store.commands import (
    Command,
    Heartbeat,
    claim_next,
    finish_command,
    mark_stopped,
    write_heartbeat,
)
from moniqo_desktop.domain.orders import utcnow

PRICES = {"BTC/USDT": Decimal("50000"), "ETH/USDT": Decimal("3000")}


class ServerHarness:
    def __init__(self, url: str, account: str, exchange: DemoExchange | None = None) -> None:
        self.url = url
        self.account = account
        self.exchange = exchange or DemoExchange(prices=dict(PRICES), fee_rate=Decimal("0.001"))
        self.engine: Engine | None = None
        self.publisher: FactsPublisher | None = None
        self.executed: list[Command] = []
        self._dirty: dict[str, set[str]] = {"orders": set(), "positions": set()}
        self._beat: Heartbeat | None = None

    async def start(self) -> "ServerHarness":
        self.engine = await Engine.open(self.url, self.exchange)
        bus = self.engine.events
        bus.subscribe(lambda e: self._dirty["orders"].add(e.order.id), OrderChanged)
        bus.subscribe(lambda e: self._dirty["positions"].add(e.position.id),
                      PositionOpened, PositionUpdated, PositionClosed)
        self.publisher = FactsPublisher(self.engine, self.account, prices_every=0.0)
        self.publisher.start()
        now = utcnow()
        self._beat = Heartbeat(account=self.account, host=socket.gethostname(),
                               pid=os.getpid(), exchange=self.engine.exchange_name,
                               mode=self.engine.venue_mode.value, version=__version__,
                               started_at=now, beat_at=now)
        self.beat()
        return self

    @property
    def store(self) -> Any:
        assert self.engine is not None
        return self.engine.ctx.store

    def beat(self) -> None:
        assert self._beat is not None
        self._beat = replace(self._beat, beat_at=utcnow())
        write_heartbeat(self.store, self._beat)

    async def step(self) -> None:
        """One poll: heartbeat, every queued command, one cycle, one NOTIFY per kind."""
        assert self.engine is not None
        self.beat()
        while (command := claim_next(self.store, self.account)) is not None:
            await self.execute(command)
        await self.engine.run_cycle()
        self.flush()

    async def execute(self, command: Command) -> None:
        assert self.engine is not None
        method = getattr(self.engine, command.kind)
        try:
            outcome = await method(**command.payload)
        except DomainError as exc:
            self.flush()
            finish_command(self.store, command.id, error=str(exc))
        else:
            self.flush()
            key = "order_id" if isinstance(outcome, Order) else "position_id"
            finish_command(self.store, command.id, result={key: outcome.id})
        self.executed.append(command)

    def flush(self) -> None:
        """NOTIFY what the engine changed since the last flush (ids, coalesced per kind)."""
        with self.store._transaction("notify", write=False) as conn:
            for kind, ids in self._dirty.items():
                if ids:
                    notify.send(conn, self.account, kind, sorted(ids))
                    ids.clear()

    async def stop(self, clean: bool = True) -> None:
        if self.engine is None:
            return
        if self.publisher is not None:
            self.publisher.stop()
        if clean:
            mark_stopped(self.store, self.account, os.getpid())
        await self.engine.close()
        self.engine = None


async def until(predicate, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)

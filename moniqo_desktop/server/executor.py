"""Carrying out a window's commands on the engine, each exactly once.

A command is claimed (queued → running) before it runs and finished (done|refused) after, in
separate transactions; a server can die in between. The one server that holds the account's
lock next finds the command still running and completes it *from what the first attempt left*
instead of acting twice:

- `place_order` and `close_position` send one order whose client order id is derived from the
  command id (`client_order_id_for`). The engine writes an order before it sends it, so if that
  order is in the store the first attempt got at least that far: the command is done with it
  (the engine's reconciliation has already settled whether the venue has it). If it is not in
  the store, nothing was written, so nothing was sent: it runs now.
- `cancel_order` on an order that is no longer open (the first attempt cancelled it) is done.
- `update_protection` sets the same levels again, which is the same result.

A refusal is the text local mode would show (the engine's `DomainError`), so the window shows
it inline exactly as it does for its own engine.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
from typing import Any

from ..domain import DomainError, Order, OrderStatus
from ..engine import Engine
from ..store import StoreError
from ..store.commands import Command, claim_next, finish_command, running_commands

log = logging.getLogger(__name__)

ORDER_COMMANDS = ("place_order", "close_position")
PAUSE_AFTER_CLAIM = "MONIQO_TEST_PAUSE_AFTER_CLAIM"
PAUSE_BEFORE_RESULT = "MONIQO_TEST_PAUSE_BEFORE_RESULT"
"""Test hooks (seconds): wait after claiming / before writing the result, so the kill test can
SIGKILL the server at exactly those points."""


def client_order_id_for(command_id: str) -> str:
    """The client order id of the one order a command sends (same shape as the engine's own
    ids: 'mq' + 30 hex digits), so it can be found again after a crash."""
    return "mq" + command_id[:30]


class CommandExecutor:
    """Executes the commands of one account on `engine`."""

    def __init__(self, engine: Engine, account: str) -> None:
        self.engine = engine
        self.account = account
        self.executed = 0  # commands finished by this process (tests and the log read it)

    @property
    def store(self) -> Any:
        return self.engine.ctx.store

    async def recover(self) -> int:
        """Complete the commands a previous server claimed but never finished."""
        stuck = running_commands(self.store, self.account)
        for command in stuck:
            log.warning("completing command %s (%s) left running by a previous server",
                        command.id, command.kind)
            await self.execute(command, recovering=True)
        return len(stuck)

    async def drain(self) -> int:
        """Claim and execute queued commands until none is left; how many ran."""
        count = 0
        while (command := claim_next(self.store, self.account)) is not None:
            log.info("command %s claimed: %s from %s", command.id, command.kind, command.client)
            await _test_pause(PAUSE_AFTER_CLAIM, f"paused after claim {command.id}")
            await self.execute(command)
            count += 1
        return count

    async def execute(self, command: Command, recovering: bool = False) -> None:
        """Run one claimed command and record its outcome (a store failure leaves it running,
        to be completed by `recover` on the next start)."""
        try:
            outcome = await self._outcome(command, recovering)
        except StoreError as exc:
            log.error("command %s: the store failed (%s); it stays running and is completed "
                      "at the next start", command.id, exc)
            return
        await _test_pause(PAUSE_BEFORE_RESULT, f"paused before result {command.id}")
        result, error = outcome
        finished = finish_command(self.store, command.id, result=result, error=error)
        self.executed += 1
        if error is None:
            log.info("command %s done: %s", command.id, result)
        else:
            log.info("command %s refused: %s", command.id, error)
        assert finished.finished

    async def _outcome(self, command: Command,
                       recovering: bool) -> tuple[dict[str, Any] | None, str | None]:
        engine = self.engine
        cid = client_order_id_for(command.id)
        if command.kind in ORDER_COMMANDS and (sent := self._order_by_client_id(cid)):
            return {"order_id": sent.id}, None  # the first attempt wrote (and sent) it
        method = getattr(engine, command.kind, None)
        if method is None or command.kind not in (*ORDER_COMMANDS, "cancel_order",
                                                  "update_protection"):
            return None, f"unknown command {command.kind!r}"
        kwargs = dict(command.payload)
        allowed = set(inspect.signature(method).parameters) - {"client_order_id"}
        unknown = sorted(set(kwargs) - allowed)
        if unknown:
            return None, f"{command.kind} has no field {', '.join(unknown)}"
        if command.kind in ORDER_COMMANDS:
            kwargs["client_order_id"] = cid
        if recovering and command.kind == "cancel_order":
            order = engine.ctx.orders.get(str(kwargs.get("order_id")))
            if order is not None and (order.status is OrderStatus.CANCELLING
                                      or not order.is_open()):
                return {"order_id": order.id}, None  # the first attempt got it cancelled
        try:
            value = await method(**kwargs)
        except DomainError as exc:
            return None, str(exc)
        except TypeError as exc:  # a payload missing a required field
            return None, f"{command.kind}: {exc}"
        except StoreError:
            raise
        except Exception as exc:  # a bug: say so, and still never act twice
            log.exception("command %s failed", command.id)
            sent = self._order_by_client_id(cid) if command.kind in ORDER_COMMANDS else None
            if sent is not None:
                return {"order_id": sent.id}, None
            return None, f"the server could not carry this out: {exc}"
        if isinstance(value, Order):
            return {"order_id": value.id}, None
        return {"position_id": value.id}, None

    def _order_by_client_id(self, client_order_id: str) -> Order | None:
        for order in self.engine.ctx.orders.values():
            if order.client_order_id == client_order_id:
                return order
        return self.store.get_order_by_client_id(client_order_id)


async def _test_pause(variable: str, message: str) -> None:
    seconds = os.environ.get(variable)
    if seconds:
        log.warning("%s (%s=%s)", message, variable, seconds)
        await asyncio.sleep(float(seconds))

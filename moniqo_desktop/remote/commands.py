"""A window's actions as commands for the server: submit one row, wait for its outcome.

Each action gets a fresh id (uuid4 hex) chosen here: the server executes each id once, so a
retry of the same submission can never place a second order. The outcome arrives as a
'command' notification; the waiting coroutine then reads the row (done with a result, or
refused with the text the trader sees, the same text local mode would raise).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Iterable
from decimal import Decimal
from enum import Enum
from typing import Any

from ..domain import DomainError
from ..store import Store
from ..store.commands import Command, get_command, submit_command, withdraw_command

log = logging.getLogger(__name__)

ANSWER_SECONDS = 30.0
"""How long a window waits for the server's outcome before telling the trader it is late."""


def client_name() -> str:
    """host:pid of this window, written with each command (who asked, for the server's log)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def wire(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The payload of an Engine call: its keyword names, Decimals as exact strings, enums as
    their values, None (every parameter's default) left out."""
    out: dict[str, Any] = {}
    for name, value in kwargs.items():
        if value is None:
            continue
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, Decimal):
            value = str(value)
        out[name] = value
    return out


class CommandClient:
    """Submits through `writer` (the one connection of a window that may write: only to the
    commands table) and is told of outcomes by `finished(ids)`."""

    def __init__(self, writer: Store, reader: Store, account: str, *,
                 answer_seconds: float = ANSWER_SECONDS) -> None:
        self.writer = writer
        self.reader = reader
        self.account = account
        self.answer_seconds = answer_seconds
        self.client = client_name()
        self._waiting: dict[str, asyncio.Future[Command]] = {}

    async def run(self, kind: str, payload: dict[str, Any]) -> Command:
        """Submit and wait for the outcome (a finished `Command`)."""
        command_id = uuid.uuid4().hex
        future: asyncio.Future[Command] = asyncio.get_running_loop().create_future()
        self._waiting[command_id] = future  # before the insert: its answer may come at once
        try:
            command = submit_command(self.writer, command_id=command_id, account=self.account,
                                     kind=kind, payload=wire(payload), client=self.client)
            if command.finished:
                return command
            try:
                return await asyncio.wait_for(asyncio.shield(future), self.answer_seconds)
            except asyncio.TimeoutError:
                pass
            return await self._late(command_id, future)
        finally:
            self._waiting.pop(command_id, None)

    async def _late(self, command_id: str, future: asyncio.Future[Command]) -> Command:
        """No answer in time. A request no server has taken is withdrawn (the trader, told
        nothing happened, may try again: it must never run later as well); one the server is
        carrying out gets one more wait, then the trader is told to watch the tables."""
        waited = f"{self.answer_seconds:g} s"
        command = withdraw_command(self.writer, command_id,
                                   f"withdrawn by the window: no server took it within {waited}")
        if command.finished and command.error is not None and \
                command.error.startswith("withdrawn by the window"):
            raise DomainError(f"the server did not take the request within {waited}; nothing "
                              "was done (is `moniqo-desktop serve` running?)")
        if command.finished:
            return command
        try:
            return await asyncio.wait_for(asyncio.shield(future), self.answer_seconds)
        except asyncio.TimeoutError:
            raise DomainError(f"the server is still carrying out the request (command "
                              f"{command_id[:8]}); its outcome will show in the tables") from None

    def finished(self, ids: Iterable[str] | None) -> None:
        """A 'command' notification: settle the waiting commands it names (all if none)."""
        wanted = list(self._waiting) if ids is None else [i for i in ids if i in self._waiting]
        for command_id in wanted:
            future = self._waiting.get(command_id)
            if future is None or future.done():
                continue
            command = get_command(self.reader, command_id)
            if command is not None and command.finished:
                future.set_result(command)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

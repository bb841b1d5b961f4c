"""Commands and heartbeats: how a window and a server engine share one account.

A window started with `--connect` never touches the venue. Each user action (place, cancel,
close, update protection) becomes a `commands` row with an id the window chose (uuid4 hex) —
the idempotency key: submitting the same id twice stores one command, and the server moves
each command queued → running → done|refused once. The server proves it is alive with one
`engine_heartbeats` row per account, rewritten every poll.

Every write here NOTIFYs on the 'moniqo' channel in its own transaction (store/notify.py), so a
listener is told after the row is readable. On SQLite the same functions work without the
notifications (tests and local experiments).

Payloads and results are JSON objects whose Decimals are strings (`"0.01"`), never floats: the
server parses them with the domain's one strict number parser, as the order form does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping

from ..domain.orders import utcnow
from . import notify
from .errors import StoreError
from .models import commands, engine_heartbeats
from .repository import Store

COMMAND_KINDS = ("place_order", "cancel_order", "close_position", "update_protection")
_COMMAND_ID = re.compile(r"^[0-9a-f]{32}$")


class CommandStatus(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    REFUSED = "refused"

    @property
    def finished(self) -> bool:
        return self in (CommandStatus.DONE, CommandStatus.REFUSED)


@dataclass(frozen=True)
class Command:
    """One `commands` row, payload and result decoded."""

    id: str
    account: str
    kind: str
    payload: dict[str, Any]
    status: CommandStatus
    result: dict[str, Any] | None
    error: str | None
    client: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status.finished


@dataclass(frozen=True)
class Heartbeat:
    """The serving engine of an account, as its last heartbeat row says."""

    account: str
    host: str
    pid: int
    exchange: str
    mode: str
    version: str
    started_at: datetime
    beat_at: datetime
    stopped_at: datetime | None = None

    def age(self, now: datetime | None = None) -> float:
        """Seconds since the last beat."""
        return ((now or utcnow()) - self.beat_at).total_seconds()


def encode(value: dict[str, Any]) -> str:
    """JSON with every Decimal as its exact string; a float is refused (it lost digits)."""

    def default(obj: Any) -> Any:
        if isinstance(obj, Decimal):
            if not obj.is_finite():
                raise ValueError(f"cannot send a non-finite number ({obj})")
            return str(obj)
        if isinstance(obj, Enum):
            return obj.value
        raise TypeError(f"a command cannot carry a {type(obj).__name__} ({obj!r})")

    def no_floats(obj: Any) -> None:
        if isinstance(obj, float):
            raise TypeError(f"money must be a Decimal or text, not a float ({obj!r})")
        if isinstance(obj, dict):
            for item in obj.values():
                no_floats(item)
        elif isinstance(obj, (list, tuple)):
            for item in obj:
                no_floats(item)

    no_floats(value)
    return json.dumps(value, default=default, allow_nan=False, separators=(",", ":"))


# -- commands (client side) --------------------------------------------------------------------


def submit_command(store: Store, *, command_id: str, account: str, kind: str,
                   payload: dict[str, Any], client: str, at: datetime | None = None) -> Command:
    """Queue a command and NOTIFY (kind 'command'). The same id submitted again (a retry after a
    lost answer) stores nothing new and returns the command as it stands."""
    if not _COMMAND_ID.match(command_id):
        raise ValueError(f"a command id is 32 lowercase hex digits (uuid4().hex), not "
                         f"{command_id!r}")
    if kind not in COMMAND_KINDS:
        raise ValueError(f"unknown command {kind!r} (one of {', '.join(COMMAND_KINDS)})")
    body = encode(payload)
    with store._transaction("queue a command", write=True) as conn:
        existing = conn.execute(select(commands).where(commands.c.id == command_id)
                                ).mappings().first()
        if existing is not None:
            return _command(existing)
        row = {"id": command_id, "account": account, "kind": kind, "payload": body,
               "status": CommandStatus.QUEUED.value, "result": None, "error": None,
               "client": client, "created_at": at or utcnow(), "started_at": None,
               "finished_at": None}
        conn.execute(insert(commands), [row])
        notify.send(conn, account, "command", [command_id])
    found = get_command(store, command_id)
    assert found is not None
    return found


def get_command(store: Store, command_id: str) -> Command | None:
    with store._transaction("read a command", write=False) as conn:
        row = conn.execute(select(commands).where(commands.c.id == command_id)).mappings().first()
    return None if row is None else _command(row)


# -- commands (server side) --------------------------------------------------------------------


def claim_next(store: Store, account: str, at: datetime | None = None) -> Command | None:
    """The oldest queued command of `account`, moved to running in one transaction (None when
    the queue is empty). On PostgreSQL the row is locked while it moves (SKIP LOCKED), so two
    claimers can never take the same command."""
    with store._transaction("claim a command", write=True) as conn:
        picked = conn.execute(
            select(commands.c.id)
            .where(commands.c.account == account, commands.c.status == CommandStatus.QUEUED.value)
            .order_by(commands.c.created_at, commands.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).scalar()
        if picked is None:
            return None
        return _move_to_running(conn, picked, at)


def claim(store: Store, command_id: str, at: datetime | None = None) -> Command | None:
    """Move one queued command to running (None when it is not queued any more)."""
    with store._transaction("claim a command", write=True) as conn:
        return _move_to_running(conn, command_id, at)


def running_commands(store: Store, account: str) -> list[Command]:
    """Commands of `account` claimed but never finished (their server died mid-way), oldest
    first: the one server holding the account's lock completes them before anything else."""
    with store._transaction("read commands", write=False) as conn:
        rows = conn.execute(select(commands).where(
            commands.c.account == account, commands.c.status == CommandStatus.RUNNING.value
        ).order_by(commands.c.created_at, commands.c.id)).mappings().all()
    return [_command(r) for r in rows]


def finish_command(store: Store, command_id: str, *, result: dict[str, Any] | None = None,
                   error: str | None = None, at: datetime | None = None) -> Command:
    """Record the outcome — `result` (done) or `error` (refused, the text the trader sees) — and
    NOTIFY. A command already finished keeps its first outcome (and is returned as it is)."""
    if (result is None) == (error is None):
        raise ValueError("finish a command with a result or an error, not both or neither")
    status = CommandStatus.DONE if error is None else CommandStatus.REFUSED
    body = None if result is None else encode(result)
    with store._transaction("finish a command", write=True) as conn:
        row = conn.execute(select(commands).where(commands.c.id == command_id)
                           .with_for_update()).mappings().first()
        if row is None:
            raise StoreError(f"no command {command_id}")
        if CommandStatus(row["status"]).finished:
            return _command(row)
        conn.execute(update(commands).where(commands.c.id == command_id).values(
            status=status.value, result=body, error=error, finished_at=at or utcnow()))
        notify.send(conn, row["account"], "command", [command_id])
    found = get_command(store, command_id)
    assert found is not None
    return found


def withdraw_command(store: Store, command_id: str, reason: str,
                     at: datetime | None = None) -> Command:
    """Refuse a command that no server has claimed yet (queued -> refused with `reason`), and
    NOTIFY: a window that gave up waiting must not have its request run later behind the
    trader's back. A command already claimed or finished is returned as it stands."""
    with store._transaction("withdraw a command", write=True) as conn:
        moved = conn.execute(update(commands).where(
            commands.c.id == command_id, commands.c.status == CommandStatus.QUEUED.value
        ).values(status=CommandStatus.REFUSED.value, error=reason,
                 finished_at=at or utcnow()))
        if moved.rowcount == 1:
            row = conn.execute(select(commands.c.account)
                               .where(commands.c.id == command_id)).scalar_one()
            notify.send(conn, row, "command", [command_id])
    found = get_command(store, command_id)
    if found is None:
        raise StoreError(f"no command {command_id}")
    return found


def _move_to_running(conn: Any, command_id: str, at: datetime | None) -> Command | None:
    moved = conn.execute(update(commands).where(
        commands.c.id == command_id, commands.c.status == CommandStatus.QUEUED.value
    ).values(status=CommandStatus.RUNNING.value, started_at=at or utcnow()))
    if moved.rowcount != 1:
        return None
    row = conn.execute(select(commands).where(commands.c.id == command_id)).mappings().one()
    return _command(row)


def _command(row: RowMapping) -> Command:
    return Command(
        id=row["id"], account=row["account"], kind=row["kind"],
        payload=json.loads(row["payload"]), status=CommandStatus(row["status"]),
        result=None if row["result"] is None else json.loads(row["result"]),
        error=row["error"], client=row["client"], created_at=row["created_at"],
        started_at=row["started_at"], finished_at=row["finished_at"])


# -- heartbeats --------------------------------------------------------------------------------


def write_heartbeat(store: Store, beat: Heartbeat) -> None:
    """Upsert the account's heartbeat row and NOTIFY (kind 'heartbeat')."""
    values = {"host": beat.host, "pid": beat.pid, "exchange": beat.exchange, "mode": beat.mode,
              "version": beat.version, "started_at": beat.started_at, "beat_at": beat.beat_at,
              "stopped_at": beat.stopped_at}
    with store._transaction("write the heartbeat", write=True) as conn:
        done = conn.execute(update(engine_heartbeats).where(
            engine_heartbeats.c.account == beat.account).values(values))
        if done.rowcount == 0:
            conn.execute(insert(engine_heartbeats), [{"account": beat.account, **values}])
        notify.send(conn, beat.account, "heartbeat")


def mark_stopped(store: Store, account: str, pid: int, at: datetime | None = None) -> None:
    """A clean exit: `stopped_at` set, `beat_at` kept (only the row of this very process)."""
    with store._transaction("write the heartbeat", write=True) as conn:
        conn.execute(update(engine_heartbeats).where(
            engine_heartbeats.c.account == account, engine_heartbeats.c.pid == pid
        ).values(stopped_at=at or utcnow()))
        notify.send(conn, account, "heartbeat")


def read_heartbeat(store: Store, account: str) -> Heartbeat | None:
    with store._transaction("read the heartbeat", write=False) as conn:
        row = conn.execute(select(engine_heartbeats).where(
            engine_heartbeats.c.account == account)).mappings().first()
    return None if row is None else Heartbeat(**dict(row))


__all__ = [
    "COMMAND_KINDS", "Command", "CommandStatus", "Heartbeat", "claim", "claim_next", "encode",
    "finish_command", "get_command", "mark_stopped", "read_heartbeat", "running_commands",
    "submit_command", "withdraw_command", "write_heartbeat",
]

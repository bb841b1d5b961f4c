"""Commands and heartbeats (store/commands.py): queued → running → done|refused once per id,
one heartbeat row per account, and a NOTIFY after each write on PostgreSQL.

Every test runs on a real SQLite file; those marked `pg` also on the scratch PostgreSQL (a fresh
schema each), skipped without MONIQO_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from moniqo_desktop.store import Store
from moniqo_desktop.store.commands import (
    CommandStatus,
    Heartbeat,
    claim,
    claim_next,
    finish_command,
    get_command,
    mark_stopped,
    read_heartbeat,
    running_commands,
    submit_command,
    write_heartbeat,
)
from moniqo_desktop.store.notify import CHANNEL, parse, payload

from pg_schema import BASE_URL, drop_schema, fresh_schema_url
from store_helpers import T0


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = Store.open(tmp_path / "moniqo.sqlite3")
        yield s
        s.close()
        return
    if not BASE_URL:
        pytest.skip("MONIQO_TEST_POSTGRES_URL is not set")
    pytest.importorskip("psycopg")
    url = fresh_schema_url()
    s = Store.open(url)
    s.test_url = url  # type: ignore[attr-defined]
    yield s
    s.close()
    drop_schema(url)


def new_id() -> str:
    return uuid.uuid4().hex


PLACE = {"symbol": "BTC/USDT", "side": "buy", "type": "market", "amount": Decimal("0.01")}


def test_a_command_moves_queued_running_done_once(any_store: Store) -> None:
    cid = new_id()
    queued = submit_command(any_store, command_id=cid, account="acct", kind="place_order",
                            payload=PLACE, client="desk:1", at=T0)
    assert queued.status is CommandStatus.QUEUED
    assert queued.payload == {"symbol": "BTC/USDT", "side": "buy", "type": "market",
                              "amount": "0.01"}  # the Decimal as its exact text
    again = submit_command(any_store, command_id=cid, account="acct", kind="place_order",
                           payload={**PLACE, "amount": Decimal("5")}, client="desk:1")
    assert again.payload["amount"] == "0.01"  # a retried submit stores nothing new
    assert claim_next(any_store, "other-account") is None
    running = claim_next(any_store, "acct", at=T0 + timedelta(seconds=1))
    assert running is not None and running.id == cid and running.status is CommandStatus.RUNNING
    assert claim_next(any_store, "acct") is None
    assert claim(any_store, cid) is None  # not queued any more
    assert [c.id for c in running_commands(any_store, "acct")] == [cid]
    done = finish_command(any_store, cid, result={"order_id": "o1"})
    assert done.status is CommandStatus.DONE and done.result == {"order_id": "o1"}
    later = finish_command(any_store, cid, error="too late")
    assert later.status is CommandStatus.DONE and later.error is None  # the first outcome stays
    assert running_commands(any_store, "acct") == []
    assert get_command(any_store, cid) == later


def test_claims_go_oldest_first_and_a_refusal_keeps_its_text(any_store: Store) -> None:
    first, second = new_id(), new_id()
    submit_command(any_store, command_id=second, account="a", kind="cancel_order",
                   payload={"order_id": "x"}, client="c:1", at=T0 + timedelta(seconds=5))
    submit_command(any_store, command_id=first, account="a", kind="cancel_order",
                   payload={"order_id": "y"}, client="c:1", at=T0)
    got = claim_next(any_store, "a")
    assert got is not None and got.id == first
    refused = finish_command(any_store, first, error="no order y")
    assert refused.status is CommandStatus.REFUSED and refused.error == "no order y"
    assert refused.result is None


@pytest.mark.parametrize("bad", [
    dict(command_id="not-hex"), dict(kind="withdraw_everything"),
    dict(payload={"amount": 0.1}),
])
def test_bad_commands_are_refused_and_store_nothing(any_store: Store, bad: dict) -> None:
    args = dict(command_id=new_id(), account="a", kind="place_order", payload=PLACE, client="c")
    args.update(bad)
    with pytest.raises((ValueError, TypeError)):
        submit_command(any_store, **args)
    assert claim_next(any_store, "a") is None


def test_heartbeat_upserts_and_marks_stopped(any_store: Store) -> None:
    beat = Heartbeat(account="a", host="srv", pid=42, exchange="demo", mode="paper",
                     version="1.0", started_at=T0, beat_at=T0)
    write_heartbeat(any_store, beat)
    later = Heartbeat(**{**beat.__dict__, "beat_at": T0 + timedelta(seconds=2)})
    write_heartbeat(any_store, later)
    assert read_heartbeat(any_store, "a") == later
    assert read_heartbeat(any_store, "b") is None
    mark_stopped(any_store, "a", pid=41, at=T0 + timedelta(seconds=3))  # not this process's row
    assert read_heartbeat(any_store, "a").stopped_at is None
    mark_stopped(any_store, "a", pid=42, at=T0 + timedelta(seconds=3))
    stopped = read_heartbeat(any_store, "a")
    assert stopped.stopped_at == T0 + timedelta(seconds=3)
    assert stopped.beat_at == T0 + timedelta(seconds=2)


def test_payload_sends_ids_only_when_few() -> None:
    assert json.loads(payload("a", "orders", ["o2", "o1"])) == {
        "account": "a", "kind": "orders", "ids": ["o1", "o2"]}
    many = json.loads(payload("a", "positions", [f"p{i}" for i in range(500)]))
    assert many == {"account": "a", "kind": "positions"}
    long_ids = json.loads(payload("a", "orders", ["x" * 400 for _ in range(1)] +
                                  ["y" * 400 + str(i) for i in range(30)]))
    assert "ids" not in long_ids  # 31 ids of 400 characters would pass 8000 bytes
    assert parse(payload("a", "command", ["c"])) == {"account": "a", "kind": "command",
                                                     "ids": ["c"]}
    assert parse("not json") is None and parse('{"kind": "weather"}') is None
    with pytest.raises(ValueError):
        payload("a", "weather")


def test_postgres_notifies_after_commit(any_store: Store) -> None:
    if any_store.location.is_sqlite:
        pytest.skip("NOTIFY is PostgreSQL only")
    import psycopg

    dsn = any_store.location.url.set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        cid = new_id()
        submit_command(any_store, command_id=cid, account="acct", kind="place_order",
                       payload=PLACE, client="c:1")
        claim_next(any_store, "acct")
        finish_command(any_store, cid, result={"order_id": "o"})
        write_heartbeat(any_store, Heartbeat(account="acct", host="h", pid=1, exchange="demo",
                                             mode="paper", version="v", started_at=T0,
                                             beat_at=T0))
        got = [parse(n.payload) for n in listener.notifies(timeout=2, stop_after=3)]
    assert got == [{"account": "acct", "kind": "command", "ids": [cid]},
                   {"account": "acct", "kind": "command", "ids": [cid]},
                   {"account": "acct", "kind": "heartbeat"}]

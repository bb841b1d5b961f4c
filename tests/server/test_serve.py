"""`moniqo-desktop serve` as a real subprocess on the scratch PostgreSQL, with the paper exchange
(whose books live in the same database): it starts, beats, executes a command once and writes
its result; a second server for the account is refused naming the holder; SIGTERM exits 0 with
the heartbeat marked stopped; SIGKILL between claiming a command and writing its result still
ends with the command done once and one order on the venue; and no API key or database password
reaches the database or the log.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select

from moniqo_desktop.store import Store
from moniqo_desktop.store.commands import (
    CommandStatus,
    get_command,
    read_heartbeat,
    submit_command,
)
from moniqo_desktop.store.paper_journal import PaperJournal

from serve_process import DEADLINE, ROOT, ServeProcess, eventually, serve_env

BUY = {"symbol": "BTC/USDT", "side": "buy", "type": "market", "amount": "0.01"}


@pytest.fixture
def client(pg_url: str) -> Iterator[Store]:
    """The test's own connection to the server's database (as a window would have)."""
    store = Store.open(pg_url)
    yield store
    store.close()


@pytest.fixture
def servers() -> Iterator[list[ServeProcess]]:
    started: list[ServeProcess] = []
    yield started
    for server in started:
        server.kill()


def start(servers: list[ServeProcess], tmp_path: Path, url: str, account: str,
          **env: str) -> ServeProcess:
    server = ServeProcess(["--database", url, "--account", account, "--data-dir",
                           str(tmp_path)], serve_env(tmp_path, **env))
    servers.append(server)
    return server


def queue(store: Store, account: str, kind: str = "place_order", payload: dict | None = None
          ) -> str:
    command_id = uuid.uuid4().hex
    submit_command(store, command_id=command_id, account=account, kind=kind,
                   payload=payload or BUY, client="test:1")
    return command_id


def finished(store: Store, command_id: str):
    command = get_command(store, command_id)
    return command if command is not None and command.finished else None


def venue_orders(store: Store, command_id: str) -> list[dict]:
    """The paper venue's own orders carrying the command's client order id."""
    cid = "mq" + command_id[:30]
    return [o for o in PaperJournal(store, "demo").all_orders() if o["client_order_id"] == cid]


def test_serve_beats_executes_a_command_once_and_stops_cleanly_on_sigterm(
        pg_url: str, account: str, client: Store, servers: list, tmp_path: Path) -> None:
    server = start(servers, tmp_path, pg_url, account)
    server.wait_for("serving account")
    first = eventually(lambda: read_heartbeat(client, account), "a heartbeat row")
    assert (first.host, first.pid, first.mode, first.stopped_at) == (
        socket.gethostname(), server.pid, "paper", None)

    done_id = queue(client, account)
    refused_id = queue(client, account, payload={**BUY, "amount": "-1"})
    done = eventually(lambda: finished(client, done_id), "the buy finished")
    refused = eventually(lambda: finished(client, refused_id), "the bad buy finished")
    assert done.status is CommandStatus.DONE
    order = client.get_order(done.result["order_id"])
    assert order is not None and order.client_order_id == "mq" + done_id[:30]
    assert order.amount == order.filled_amount  # the paper venue filled it
    assert len(venue_orders(client, done_id)) == 1
    assert refused.status is CommandStatus.REFUSED and refused.result is None
    assert "amount" in refused.error  # the domain's own words, as local mode shows them
    position = eventually(lambda: client.load_positions(open_only=True), "the position")[0]
    close_id = queue(client, account, "close_position", {"position_id": position.id})
    closed = eventually(lambda: finished(client, close_id), "the close finished")
    assert closed.status is CommandStatus.DONE, closed.error
    exit_order = client.get_order(closed.result["order_id"])
    assert exit_order.client_order_id == "mq" + close_id[:30]  # found again after a crash
    assert exit_order.position_id == position.id
    eventually(lambda: read_heartbeat(client, account).beat_at > first.beat_at,
               "a second heartbeat")

    assert server.stop(signal.SIGTERM) == 0
    last = read_heartbeat(client, account)
    assert last.stopped_at is not None and last.beat_at <= last.stopped_at
    out = server.output()
    assert "Traceback" not in out
    assert all(line[:4].isdigit() for line in out.splitlines()), "one line per record"


def test_a_second_server_for_the_account_is_refused_naming_the_holder(
        pg_url: str, account: str, servers: list, tmp_path: Path) -> None:
    holder = start(servers, tmp_path, pg_url, account)
    holder.wait_for("serving account")
    second = subprocess.run(
        [sys.executable, "-m", "moniqo_desktop", "serve", "--database", pg_url, "--account",
         account, "--data-dir", str(tmp_path)], env=serve_env(tmp_path), cwd=str(ROOT),
        capture_output=True, text=True, timeout=DEADLINE)
    assert second.returncode == 2
    errors = [line for line in second.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, second.stderr
    assert f"process {holder.pid} on host {socket.gethostname()}" in errors[0]
    assert "Traceback" not in second.stderr + second.stdout
    assert holder.proc.poll() is None  # the holder serves on


@pytest.mark.parametrize("hook", ["MONIQO_TEST_PAUSE_AFTER_CLAIM",
                                  "MONIQO_TEST_PAUSE_BEFORE_RESULT"])
def test_kill_between_claim_and_result_still_executes_the_command_once(
        pg_url: str, account: str, client: Store, servers: list, tmp_path: Path,
        hook: str) -> None:
    paused = start(servers, tmp_path, pg_url, account, **{hook: "600"})
    paused.wait_for("serving account")
    command_id = queue(client, account)
    paused.wait_for(f"paused {'after claim' if 'CLAIM' in hook else 'before result'} "
                    f"{command_id}")
    paused.proc.send_signal(signal.SIGKILL)
    paused.proc.wait(timeout=DEADLINE)
    assert get_command(client, command_id).status is CommandStatus.RUNNING
    before = len(venue_orders(client, command_id))
    assert before == (1 if "RESULT" in hook else 0)  # the order went out before the kill

    def restarted() -> ServeProcess | None:
        """PostgreSQL frees the dead session's lock when it notices the closed socket."""
        server = start(servers, tmp_path, pg_url, account)
        try:
            server.wait_for("serving account")
        except AssertionError:
            if "in use by another" in server.output():
                return None
            raise
        return server

    eventually(restarted, "a restarted server", timeout=DEADLINE)
    done = eventually(lambda: finished(client, command_id), "the command finished")
    assert done.status is CommandStatus.DONE
    assert len(venue_orders(client, command_id)) == 1  # exactly one order on the venue
    ours = [o for o in client.load_orders() if o.client_order_id == "mq" + command_id[:30]]
    assert [o.id for o in ours] == [done.result["order_id"]]


KEY = "FAKEkeyq8Zq3L6v2N9pW4xR7tY1uI5oP0aS3dF6gH9jK2lZ5xC8vB1nM4qW7eR0t"
SECRET = "FAKEsecret9Kd2Lm5Np8Qr1St4Uv7Wx0Yz3Ab6Cd9Ef2Gh5Ij8Kl1Mn4Op7Qr0St"
PASSWORD = "FAKEdbpassword4711"


def test_no_api_key_or_database_password_in_the_database_or_the_log(
        pg_url: str, account: str, client: Store, servers: list, tmp_path: Path) -> None:
    """Keys stored for a venue and the database URL (with a password) in the test keyring;
    the server runs from the stored URL, executes a command, stops; then every row of every
    table and the whole log are searched."""
    from sqlalchemy import make_url

    env = serve_env(tmp_path)
    with_password = make_url(pg_url).set(password=PASSWORD).render_as_string(
        hide_password=False)  # trust auth on the scratch server: the password is not checked
    store_keys = (
        "import sys; from moniqo_desktop.exchanges.keys import ApiKeys, save_keys; "
        "from moniqo_desktop.server.database_url import save_url; "
        f"save_keys('binance', ApiKeys({KEY!r}, {SECRET!r})); save_url('prod', sys.argv[1])")
    subprocess.run([sys.executable, "-c", store_keys, with_password], env=env, check=True,
                   cwd=str(ROOT), timeout=DEADLINE)
    assert PASSWORD in (tmp_path / "keyring.json").read_text()

    server = ServeProcess(["--database", "prod", "--account", account, "--data-dir",
                           str(tmp_path)], env)
    servers.append(server)
    server.wait_for("serving account")
    command_id = queue(client, account)
    eventually(lambda: finished(client, command_id), "the command finished")
    assert server.stop() == 0
    log = server.output()
    assert "serving account" in log and "***" in log  # the URL is named, its password hidden

    engine = create_engine(pg_url)
    meta = MetaData()
    dump: list[str] = []
    with engine.connect() as conn:
        meta.reflect(conn)
        assert {"commands", "engine_heartbeats", "orders", "paper_orders"} <= set(meta.tables)
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                dump.append(json.dumps([str(v) for v in row]))
    engine.dispose()
    text = "\n".join(dump)
    assert command_id in text  # the dump really holds the rows
    for secret in (KEY, SECRET, PASSWORD):
        assert secret not in text
        assert secret not in log


def test_serve_says_which_settings_it_ignores_and_refuses_one_out_of_range(
        pg_url: str, account: str, servers: list, tmp_path: Path) -> None:
    """As the window and --headless do: a setting that means nothing on the venue in use is
    one warning line naming it and its file (serve used to drop it without a word), and a
    value out of range is one line, exit 2."""
    settings = tmp_path / "settings.json"
    settings.write_text('{"sandbox": true}\n', encoding="utf-8")
    server = start(servers, tmp_path, pg_url, account)
    server.wait_for("serving account")
    said = [line for line in server.output().splitlines() if str(settings) in line]
    assert len(said) == 1 and "WARNING" in said[0], server.output()
    assert '"sandbox"' in said[0] and "ignored" in said[0] and "paper" in said[0].lower()
    assert server.stop(signal.SIGTERM) == 0

    settings.write_text('{"order_poll_seconds": -1}\n', encoding="utf-8")
    refused = subprocess.run(
        [sys.executable, "-m", "moniqo_desktop", "serve", "--database", pg_url, "--account",
         account, "--data-dir", str(tmp_path)], env=serve_env(tmp_path), cwd=str(ROOT),
        capture_output=True, text=True, timeout=DEADLINE)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in refused.stderr + refused.stdout, lines
    assert '"order_poll_seconds"' in lines[0] and str(settings) in lines[0]

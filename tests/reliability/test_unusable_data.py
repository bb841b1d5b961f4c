"""A data dir the app cannot write and a stored value it cannot read: one clear line, exit 2.

Reproduces the issue: a read-only data dir crashed with a raw `OSError` from the log set-up
before any message; an unreadable stored value gave a raw `decimal.InvalidOperation`.
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from rel_support import child_env
from readonly import read_only_dir

from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.store import StoreError
from moniqo_desktop.store.instance_lock import StoreInUse

D = Decimal


def run_app(data_dir: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "moniqo_desktop", "--data-dir", str(data_dir),
                           *mode], env=child_env(), capture_output=True, text=True, timeout=90)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


async def _store_with_an_order(db: Path) -> str:
    demo = DemoExchange(prices={"BTC/USDT": D("50000")}, balances={"USDT": D(10000)})
    engine = await Engine.open(db, demo)
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.01")
    await engine.close()
    return order.id


@pytest.mark.parametrize("mode", [("--headless", "--quit-after", "3"), ("--quit-after", "3")],
                         ids=["headless", "window"])
def test_read_only_data_dir_is_one_line_and_exit_2(tmp_path, mode):
    with read_only_dir(tmp_path / "data") as ro:
        ro.read_only()
        line = one_line(run_app(ro.path, *mode))
        assert str(ro.path) in line and "not usable" in line


def test_read_only_data_dir_with_a_store_in_it_is_refused_and_left_untouched(tmp_path):
    import asyncio

    with read_only_dir(tmp_path / "data") as ro:
        asyncio.run(_store_with_an_order(ro.path / "moniqo.sqlite3"))
        (ro.path / "logs").mkdir(exist_ok=True)
        ro.read_only()
        before = digest(ro.path)
        line = one_line(run_app(ro.path, "--headless", "--quit-after", "3"))
        assert str(ro.path) in line
        assert digest(ro.path) == before
        ro.writable()  # the cause goes: the app starts again with everything in place
        result = run_app(ro.path, "--headless", "--quit-after", "2")
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("table", "column", "bad"), [
    ("orders", "amount", "0.01abc"),
    ("order_fills", "price", "fifty thousand"),
    ("orders", "status", "halfway"),
    ("orders", "created_at", "yesterday-ish"),
])
async def test_unreadable_stored_value_names_table_row_and_column(tmp_path, table, column, bad):
    db = tmp_path / "moniqo.sqlite3"
    order_id = await _store_with_an_order(db)
    key = "id" if table == "orders" else "order_id"
    with sqlite3.connect(db) as con:
        assert con.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?",
                           (bad, order_id)).rowcount == 1
    demo = DemoExchange(prices={"BTC/USDT": D("50000")}, balances={"USDT": D(10000)})
    with pytest.raises(StoreError) as info:
        await Engine.open(db, demo)
    text = str(info.value)
    assert f"table {table}" in text and order_id in text and f"column {column}" in text
    assert repr(bad) in text
    # Still refused for the same reason (nothing "repaired" behind our back), and the refused
    # open released its lock: the second answer is not "in use".
    with pytest.raises(StoreError) as again:
        await Engine.open(db, DemoExchange(prices={"BTC/USDT": D("50000")}))
    assert not isinstance(again.value, StoreInUse) and f"table {table}" in str(again.value)


def test_unreadable_value_cli_is_one_line_exit_2(tmp_path):
    import asyncio

    db = tmp_path / "moniqo.sqlite3"
    order_id = asyncio.run(_store_with_an_order(db))
    with sqlite3.connect(db) as con:
        con.execute("UPDATE orders SET amount = 'x' WHERE id = ?", (order_id,))
    line = one_line(run_app(tmp_path, "--headless", "--quit-after", "3"))
    assert "table orders" in line and order_id in line


@pytest.mark.parametrize(("table", "column", "bad", "words"), [
    ("orders", "amount", "-0.01", "cannot be negative"),
    ("orders", "amount", "0", "greater than zero"),
    ("orders", "amount", "NaN", "finite"),
    ("orders", "price", "1E+20", "too large"),
    ("positions", "entry_price", "0", "greater than zero"),
    ("positions", "amount", "-Infinity", "finite"),
    ("positions", "symbol", "BTCUSDT", "BASE/QUOTE"),
])
async def test_a_stored_number_no_order_or_position_can_hold_is_refused(tmp_path, table, column,
                                                                      bad, words):
    """A start rebuilds every working order and position from its row; a value that reads as
    a number (or text) but that the domain refuses stops the start with the domain's words,
    and nothing is built from that row. The rows' own types already give Decimals and
    enum members, so the domain checks them cheaply (#14, start-up), but still checks them."""
    db = tmp_path / "moniqo.sqlite3"
    order_id = await _store_with_an_order(db)
    with sqlite3.connect(db) as con:
        key = "id" if table == "orders" else "entry_order_id"
        assert con.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?",
                           (bad, order_id)).rowcount == 1
    with pytest.raises(StoreError, match=words):
        await Engine.open(db, DemoExchange(prices={"BTC/USDT": D("50000")},
                                           balances={"USDT": D(10000)}))

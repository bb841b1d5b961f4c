"""Two app instances on one data dir: the second is refused at once, naming the first's pid.

Reproduces the issue's first defect (both instances ran and both sent exits for the same
positions). The holder is a real second process; the OS lock it holds dies with it.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest

from rel_support import child_env

from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.store import Store, StoreError
from moniqo_desktop.store.instance_lock import StoreInUse

D = Decimal


def demo() -> DemoExchange:
    return DemoExchange(prices={"BTC/USDT": D("50000")}, balances={"USDT": D(10000)})


async def test_second_engine_on_a_held_store_is_refused_naming_the_pid(tmp_path, holder_factory):
    db = tmp_path / "moniqo.sqlite3"
    holder = holder_factory(db)
    second = demo()
    with pytest.raises(StoreError) as info:
        await Engine.open(db, second)
    assert isinstance(info.value, StoreInUse)
    assert info.value.pid == holder.pid
    assert f"process {holder.pid}" in str(info.value)
    assert sum(second.calls.values()) == 0  # refused before touching the venue
    assert holder.stop() == 0
    with Store.open(db) as store:  # the holder's order is intact
        assert len(store.load_orders()) == 1


async def test_the_lock_dies_with_its_holder(tmp_path, holder_factory):
    db = tmp_path / "moniqo.sqlite3"
    holder = holder_factory(db)
    holder.kill()  # SIGKILL: no clean-up ran, the OS dropped the lock
    engine = await Engine.open(db, demo())
    try:
        assert len(engine.orders()) == 1
    finally:
        await engine.close()


async def test_second_engine_in_the_same_process_is_refused_and_the_close_frees_it(tmp_path):
    db = tmp_path / "moniqo.sqlite3"
    first = await Engine.open(db, demo())
    with pytest.raises(StoreInUse):
        await Engine.open(db, demo())
    await first.close()
    again = await Engine.open(db, demo())
    await again.close()


@pytest.mark.parametrize("mode", [("--headless", "--quit-after", "5"), ("--quit-after", "5")],
                         ids=["headless", "window"])
def test_cli_second_instance_prints_one_line_and_exits_2(tmp_path, holder_factory, mode):
    holder = holder_factory(tmp_path / "moniqo.sqlite3")
    result = subprocess.run([sys.executable, "-m", "moniqo_desktop", "--data-dir", str(tmp_path),
                             *mode], env=child_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, result.stderr
    assert f"process {holder.pid}" in lines[0]
    assert "Traceback" not in result.stderr

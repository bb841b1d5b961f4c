"""After start-up, no garbage collection walks the start-up objects again (issue #14, lag),
and start-up itself runs without collector passes (#14, start-up time).

`bench_lag.py --trace-late` found a full collection over ~170 000 tracked objects (1 000
positions, their orders, the window) holding the Qt thread for 330 ms: the worst step of the
run. Counted here: what a full collection has to walk, before and after, and that the real app
does it once its window is up.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from moniqo_desktop.domain import Position
from moniqo_desktop.gc_pauses import pause_for_start, paused, settle_after_start

from test_cli import run_app


@pytest.fixture
def unfrozen():
    gc.collect()
    yield
    gc.unfreeze()


def test_what_exists_at_start_is_out_of_every_later_collection(unfrozen):
    book = [Position(symbol=f"C{i:04d}/USDT", side="long", amount=Decimal("1"),
                     entry_price=Decimal(100 + i)) for i in range(2000)]
    walked_before = len(gc.get_objects())  # what a full collection walks
    assert walked_before > len(book)
    settle_after_start()
    assert gc.get_freeze_count() >= walked_before
    assert len(gc.get_objects()) < walked_before / 20
    assert all(p.is_open for p in book)  # nothing lost: frozen objects live on


def test_settling_does_not_count_what_it_froze(unfrozen, monkeypatch):
    """Counting the frozen objects walks all ~200 000 of them (~13 ms of every start, for a
    log line): settling freezes without counting."""
    def walk():
        raise AssertionError("settling walked the frozen generation to count it")
    monkeypatch.setattr(gc, "get_freeze_count", walk)
    settle_after_start()
    monkeypatch.undo()
    assert gc.get_freeze_count() > 0


def test_later_cycles_are_still_collected(unfrozen):
    settle_after_start()

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a
    del a, b
    assert gc.collect() >= 2


def test_the_app_freezes_its_start_up_objects_once_the_window_is_up(tmp_path: Path):
    result = run_app("--data-dir", str(tmp_path), "--quit-after", "1")
    assert result.returncode == 0, result.stderr
    log = (tmp_path / "logs" / "moniqo.log").read_text(encoding="utf-8")
    assert "start-up objects frozen out of garbage collection" in log


# -- start-up runs without collector passes (#14, start-up time) -----------------------------


@pytest.fixture
def collector_state():
    """Whatever a test does to the collector is undone."""
    was_on = gc.isenabled()
    yield
    if paused():
        settle_after_start()
    gc.unfreeze()
    (gc.enable if was_on else gc.disable)()


def test_a_paused_start_is_settled_with_collection_back_on(collector_state):
    gc.enable()
    pause_for_start()
    assert not gc.isenabled() and paused()
    built = [[i] for i in range(1000)]  # what start-up builds and keeps
    settle_after_start()
    assert gc.get_freeze_count() >= len(built)
    assert gc.isenabled() and not paused()


def test_a_collector_someone_else_turned_off_stays_off(collector_state):
    gc.disable()
    pause_for_start()
    assert not paused()
    settle_after_start()
    assert not gc.isenabled()


WATCH_THE_WINDOW = """
import gc, sys
from moniqo_desktop.ui import main_window
seen = []
save_state = main_window.MainWindow.save_state
def watched(self):
    seen.append(gc.isenabled())
    return save_state(self)
main_window.MainWindow.save_state = watched
from moniqo_desktop.__main__ import main
code = main(sys.argv[1:])
print("window", bool(seen) and all(seen), "after", gc.isenabled())
sys.exit(code)
"""


def test_a_real_start_pauses_collection_and_runs_the_window_with_it_on(tmp_path: Path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", WATCH_THE_WINDOW, "--data-dir", str(tmp_path),
         "--quit-after", "0.5"],
        env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "window True after True" in result.stdout, result.stdout  # closed with it on
    log = (tmp_path / "logs" / "moniqo.log").read_text(encoding="utf-8")
    assert "start-up objects frozen out of garbage collection; collection on" in log

"""After start-up, no garbage collection walks the start-up objects again (issue #14, lag).

`bench_lag.py --trace-late` found a full collection over ~170 000 tracked objects (1 000
positions, their orders, the window) holding the Qt thread for 330 ms: the worst step of the
run. Counted here: what a full collection has to walk, before and after, and that the real app
does it once its window is up.
"""

from __future__ import annotations

import gc
from decimal import Decimal
from pathlib import Path

import pytest

from moniqo_desktop.domain import Position
from moniqo_desktop.gc_pauses import settle_after_start

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
    frozen = settle_after_start()
    assert frozen >= walked_before
    assert len(gc.get_objects()) < walked_before / 20
    assert all(p.is_open for p in book)  # nothing lost: frozen objects live on


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

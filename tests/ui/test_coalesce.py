"""A burst of requests runs the refresh once (aggregates must not be O(n²) per cycle)."""

from moniqo_desktop.ui.coalesce import Coalesced


def test_burst_runs_once_per_loop_turn(qtbot):
    calls: list[int] = []
    refresh = Coalesced(lambda: calls.append(1))
    for _ in range(1000):
        refresh.request()
    assert calls == []
    qtbot.waitUntil(lambda: calls == [1])
    refresh.request()
    refresh.flush()
    assert calls == [1, 1]
    refresh.flush()  # nothing pending: nothing runs
    assert calls == [1, 1]

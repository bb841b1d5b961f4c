"""No commit on the GUI thread waits for a WAL checkpoint (issue #14, event-loop lag).

`bench_lag.py --trace-late` timed every store commit made on the Qt thread: median 0.3 ms, but
the few that crossed SQLite's automatic checkpoint (1 000 pages of log) copied the log into the
file and synced the disk inside the commit, 30-40 ms each. With automatic checkpoints off the
worst commit of the same run was 6 ms. These tests check the arrangement, not the time: the
store's connections never checkpoint on their own, a thread of the store's does, and the file
is whole when the store closes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from moniqo_desktop.store import Store, wal_checkpoints

from store_helpers import minimal_position, sample


@pytest.fixture
def quiet_store(db_path: Path, monkeypatch):
    """A store whose checkpoint thread runs only when asked (the test decides when)."""
    monkeypatch.setattr(wal_checkpoints, "CHECKPOINT_SECONDS", 3600.0)
    s = Store.open(db_path)
    yield s
    s.close()


def wal_frames(path: Path) -> tuple[int, int]:
    """(frames in the log, frames of it already in the file), read by another connection
    without moving anything (a NOOP-like PASSIVE look with no writes pending is harmless)."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        _busy, log_frames, done = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return log_frames, done
    finally:
        con.close()


def write_some(store: Store, rows: int = 3000) -> None:
    position = minimal_position()
    store.save(position)
    for start in range(0, rows, 100):
        store.add_position_updates([sample(position.id, m) for m in range(start, start + 100)])


def test_the_stores_own_connections_never_checkpoint(quiet_store: Store):
    with quiet_store._engine.connect() as conn:  # type: ignore[union-attr]
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    write_some(quiet_store)
    wal = quiet_store.path.with_name(quiet_store.path.name + "-wal")  # type: ignore[union-attr]
    assert wal.stat().st_size > 0
    assert quiet_store.checkpointer is not None and quiet_store.checkpointer.checkpoints == 0


def test_the_checkpoint_thread_folds_the_log_into_the_file(quiet_store: Store):
    write_some(quiet_store)
    checkpointer = quiet_store.checkpointer
    assert checkpointer is not None
    assert checkpointer.checkpoint_now()
    log_frames, done = wal_frames(quiet_store.path)  # type: ignore[arg-type]
    assert log_frames > 0 and done == log_frames
    assert len(quiet_store.position_updates(quiet_store.load_positions()[0].id)) == 3000


def test_closing_stops_the_thread_and_leaves_the_file_whole(db_path: Path):
    store = Store.open(db_path)
    write_some(store, 500)
    checkpointer = store.checkpointer
    assert checkpointer is not None
    store.close()
    assert not checkpointer._thread.is_alive()
    assert not db_path.with_name(db_path.name + "-wal").exists()  # folded back on close
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("SELECT count(*) FROM position_updates").fetchone()[0] == 500
    finally:
        con.close()

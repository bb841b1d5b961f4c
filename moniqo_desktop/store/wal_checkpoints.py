"""WAL checkpoints on a thread of their own, so no commit on the GUI thread waits for one.

In WAL mode SQLite's automatic checkpoint runs inside whichever commit pushes the log past
1 000 pages: that commit copies the log into the main file and syncs it to disk.
`bench_lag.py --trace-late` showed those commits taking 30-40 ms of wall time on the Qt thread
(waiting for the disk, not computing) against a median commit of 0.3 ms; with automatic
checkpoints off, the worst commit of the same run was 6 ms.

So the store's connections never checkpoint on their own (`wal_autocheckpoint = 0`, set in
`database.py`), and this thread runs a PASSIVE checkpoint every `CHECKPOINT_SECONDS` on a
connection of its own: it copies what no reader still needs, waits for nobody, and writers go
on meanwhile. Durability is unchanged: a commit is exactly as durable as before (in the WAL,
synced as `synchronous` says); a checkpoint only moves committed pages into the main file. When
the store closes, its last connection folds what is left back in, as before.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

CHECKPOINT_SECONDS = 2.0


class WalCheckpointer:
    """A daemon thread checkpointing the WAL of the SQLite file at `path`."""

    def __init__(self, path: Path, interval: float | None = None) -> None:
        self.path = path
        self.interval = CHECKPOINT_SECONDS if interval is None else interval
        self.checkpoints = 0
        """Checkpoints tried (the tests wait for them)."""
        self._done = threading.Condition()
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="moniqo-wal-checkpoint",
                                        daemon=True)

    def start(self) -> "WalCheckpointer":
        self._thread.start()
        return self

    def checkpoint_now(self, timeout: float = 30.0) -> bool:
        """Ask for a checkpoint now and wait until one more has run (False: none in time)."""
        with self._done:
            target = self.checkpoints + 1
            self._wake.set()
            return self._done.wait_for(lambda: self.checkpoints >= target, timeout)

    def stop(self) -> None:
        """Stop the thread and close its connection (before the store's own connections close,
        so theirs is the last one and folds the WAL back, on the closing thread)."""
        self._stopping = True
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        con: sqlite3.Connection | None = None
        try:
            while True:
                self._wake.wait(self.interval)
                self._wake.clear()
                if self._stopping:
                    return
                try:
                    if con is None:
                        con = sqlite3.connect(self.path, isolation_level=None)
                    con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # e.g. the disk is full: tried again next time
                    log.info("WAL checkpoint of %s failed: %s", self.path, exc)
                with self._done:
                    self.checkpoints += 1
                    self._done.notify_all()
        finally:
            if con is not None:
                con.close()

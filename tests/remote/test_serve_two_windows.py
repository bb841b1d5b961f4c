"""Issue #16's "done when": one server and two windows run the paper exchange on PostgreSQL.

The real `moniqo-desktop serve` subprocess runs the paper exchange on a fresh schema of the
scratch PostgreSQL; two real main windows (pytest-qt, offscreen, on the qasync loop), each on
its own `RemoteEngine`, are its clients. An order typed in window A's form is executed once by
the server (one command done, one order on the paper venue), reaches both windows' tables
through NOTIFY alone (a `RemoteEngine` has no polling loop), and window B closes the position
it opened with the row's close button.
"""

from __future__ import annotations

import signal

from PySide6.QtCore import Qt

from moniqo_desktop.domain import PositionStatus
from moniqo_desktop.engine.events import ConnectionState
from moniqo_desktop.remote import RemoteEngine
from moniqo_desktop.store import Store
from moniqo_desktop.store.paper_journal import PaperJournal

from qt_loop import qloop  # noqa: F401  (the fixture)
from qt_questions import asked  # noqa: F401  (the fixture)
from server_harness import until
from test_remote_window import idle, no_keys, type_order, window_on  # noqa: F401  (fixture)
from test_serve_and_windows import count, serving  # noqa: F401  (fixture)
from serve_process import DEADLINE  # importable once test_serve_and_windows is


def venue_orders(url: str) -> list[dict]:
    """The paper venue's own book of orders (kept by the server in the same database)."""
    with Store.open(url) as store:
        return PaperJournal(store, "demo").all_orders()


def test_serve_process_and_two_windows(qloop, qtbot, serving, pg_url, account, tmp_path,
                                       no_keys, asked):
    serving.wait_for("serving account")

    async def main():
        engines = [await RemoteEngine.open(pg_url, account=account) for _ in range(2)]
        a, b = (window_on(e, tmp_path, n, qtbot) for e, n in zip(engines, "ab"))
        try:
            for engine in engines:
                await until(lambda: engine.connection_state is ConnectionState.CONNECTED
                            and "BTC/USDT" in engine.markets(), timeout=DEADLINE)
            assert str(serving.pid) in a.account.engine.value.text()
            assert a.account.badge.text() == b.account.badge.text() == "PAPER"

            type_order(qtbot, a, "buy", "0.01")
            await until(lambda: all(w.orders.model.rowCount() == 1
                                    and w.positions.model.rowCount() == 1 for w in (a, b)),
                        timeout=DEADLINE)
            await idle()
            assert not a.entry.error.text()
            assert "filled" in a.entry.message.text().lower()
            order = b.orders.model.object_at(0)
            assert a.orders.model.object_at(0).id == order.id
            assert count(pg_url, "SELECT count(*) FROM commands") == 1
            assert count(pg_url, "SELECT count(*) FROM commands WHERE status = 'done'") == 1
            venue = venue_orders(pg_url)  # executed once: one order on the paper venue
            assert [v["client_order_id"] for v in venue] == [order.client_order_id]

            position = b.positions.model.object_at(0)
            view = b.positions.view
            qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                             pos=view.action_rect("close", position.id).center())
            await until(lambda: all(
                w.positions.model.get(position.id).status is PositionStatus.CLOSED
                and w.orders.model.rowCount() == 2 for w in (a, b)), timeout=DEADLINE)
            await idle()
            assert len(asked) == 1 and "BTC/USDT" in asked[0]
            assert count(pg_url, "SELECT count(*) FROM commands WHERE status = 'done'") == 2
            assert count(pg_url, "SELECT count(*) FROM commands") == 2
            assert len(venue_orders(pg_url)) == 2  # the buy and B's close, each once
            assert not b.entry.error.text() and not a.entry.error.text()
        finally:
            await idle()
            for w in (a, b):
                w.close()
            for e in engines:
                await e.close()

    qloop.run_until_complete(main())
    assert no_keys == []
    assert serving.stop(signal.SIGTERM) == 0

"""Two real main windows on one server engine (pytest-qt on the qasync loop, real PostgreSQL):
an order typed in window A runs once on the server and shows in both; a refusal comes back
into A's form; the strip names the server and its heartbeat; a stale heartbeat turns the
badge Offline; no window ever touches the keyring."""

from __future__ import annotations

import asyncio
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import QSettings, Qt

from fake_clock import FakeClock
from qt_loop import qloop  # noqa: F401  (the fixture)
from moniqo_desktop.config import Settings
from moniqo_desktop.remote import RemoteEngine
from moniqo_desktop.ui import event_pump, tasks
from moniqo_desktop.ui.main_window import MainWindow
from moniqo_desktop.ui.notifier import Notifier

from server_harness import ServerHarness, until

SHOTS = Path("/work/shots")


class NoKeysHere(KeyringBackend):
    """A keyring that fails the test if anything asks it for a secret."""

    priority = 1  # type: ignore[assignment]
    asked: list[str] = []

    def get_password(self, service, username):
        self.asked.append(f"{service}/{username}")
        raise AssertionError(f"the window asked the keyring for {service}/{username}")

    def set_password(self, service, username, password):
        raise AssertionError("the window wrote to the keyring")

    def delete_password(self, service, username):
        raise AssertionError("the window deleted from the keyring")


@pytest.fixture
def no_keys():
    saved = keyring.get_keyring()
    keyring.set_keyring(NoKeysHere())
    yield NoKeysHere.asked
    keyring.set_keyring(saved)


def window_on(engine, tmp_path: Path, name: str, qtbot) -> MainWindow:
    window = MainWindow(engine, Settings(),
                        qsettings=QSettings(str(tmp_path / f"{name}.ini"),
                                            QSettings.Format.IniFormat),
                        notifier=Notifier(enabled=False), duration_refresh_ms=0)
    qtbot.addWidget(window)
    window.show()
    return window


async def idle() -> None:
    while tasks.pending() or event_pump.pending():
        await asyncio.sleep(0.01)


async def shut(window: MainWindow, engine: RemoteEngine, server: ServerHarness) -> None:
    await idle()
    window.close()
    await engine.close()
    await server.stop()


async def serve(server: ServerHarness, every: float = 0.05) -> None:
    while True:
        await server.step()
        await asyncio.sleep(every)


def type_order(qtbot, window, side: str, amount: str) -> None:
    entry = window.entry
    entry.symbol.setCurrentText("BTC/USDT")
    qtbot.mouseClick(entry.sell_button if side == "sell" else entry.buy_button,
                     Qt.MouseButton.LeftButton)
    entry.amount.clear()
    qtbot.keyClicks(entry.amount, amount)
    qtbot.mouseClick(entry.submit_button, Qt.MouseButton.LeftButton)


def test_two_windows_one_server(qloop, qtbot, pg_url, account, tmp_path, no_keys):
    async def main():
        server = await ServerHarness(pg_url, account).start()
        await server.step()
        engines = [await RemoteEngine.open(pg_url, account=account) for _ in range(2)]
        a, b = (window_on(e, tmp_path, n, qtbot) for e, n in zip(engines, "ab"))
        serving = asyncio.ensure_future(serve(server))
        try:
            assert a.account.engine.isVisible()
            assert a.account.engine.value.text().startswith("server (")
            assert "last heartbeat" in a.account.engine.value.text()
            assert a.account.badge.text() == "PAPER"

            type_order(qtbot, a, "buy", "0.01")
            await until(lambda: b.orders.model.rowCount() == 1
                        and b.positions.model.rowCount() == 1)
            await until(lambda: a.orders.model.rowCount() == 1)
            await idle()
            assert len(server.executed) == 1  # executed once, seen by both
            assert not a.entry.error.text()
            assert "filled" in a.entry.message.text().lower()

            type_order(qtbot, a, "sell", "0.5")  # more than the 0.01 held
            await until(lambda: bool(a.entry.error.text()))
            assert a.entry.error.text().startswith("you hold 0.01 BTC; sell at most 0.01")
            assert len(server.executed) == 2 and a.orders.model.rowCount() == 1
            assert not b.entry.error.text()  # the refusal is A's alone
            if SHOTS.is_dir():  # a box without it (CI) gets no picture and no leftover
                a.grab().save(str(SHOTS / "remote_window.png"))
        finally:
            serving.cancel()
            await asyncio.gather(serving, return_exceptions=True)
            await idle()
            for w in (a, b):
                w.close()
            for e in engines:
                await e.close()
            await server.stop()
        assert no_keys == []

    qloop.run_until_complete(main())


def test_the_first_log_line_names_the_server_not_the_paper_exchange(qloop, qtbot, pg_url,
                                                                    account, tmp_path):
    """Issue #14: a window on a server logged "Connected to Paper exchange" as its first line,
    as if it held the venue itself; it is connected to a server, which holds the venue."""
    async def main():
        server = await ServerHarness(pg_url, account).start()
        await server.step()
        engine = await RemoteEngine.open(pg_url, account=account)
        window = window_on(engine, tmp_path, "w", qtbot)
        try:
            first = window.log_panel.texts()[0]
            beat = engine.server
            assert first.startswith(f"Connected to the server engine on {beat.host} "
                                    f"(pid {beat.pid}), account {account}"), first
            assert "Paper exchange" in first  # the venue the server trades on, said as such
            assert not first.startswith("Connected to Paper exchange")
        finally:
            await shut(window, engine, server)

    qloop.run_until_complete(main())


def test_a_stale_heartbeat_turns_the_badge_offline(qloop, qtbot, pg_url, account, tmp_path):
    async def main():
        server = await ServerHarness(pg_url, account).start()
        clock = FakeClock(server._beat.beat_at)
        engine = await RemoteEngine.open(pg_url, account=account, clock=clock)
        window = window_on(engine, tmp_path, "w", qtbot)
        window.account.clock = clock
        badge = window.account.connection.value
        try:
            await until(lambda: "Connected" in badge.text())
            clock.advance(seconds=engine.poll_interval * 3)  # the server stopped beating
            await until(lambda: "Degraded" in badge.text())
            assert "last heartbeat" in badge.text()
            # what a stale price says (the positions table's and the form's tooltips) is
            # true here too: the server stopped beating; no answer from a venue is awaited
            note = window.account.prices_note()
            assert "last heartbeat from the server " in note and "answer" not in note, note
            clock.advance(seconds=engine.poll_interval * 10)
            await until(lambda: "Offline" in badge.text())
            assert "last heartbeat" in window.account.engine.value.text()
            if SHOTS.is_dir():
                window.grab().save(str(SHOTS / "remote_window_offline.png"))
        finally:
            await shut(window, engine, server)

    qloop.run_until_complete(main())

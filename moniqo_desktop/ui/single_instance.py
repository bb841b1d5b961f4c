"""The GUI side of "one writer per store": the running window answers a second start by coming
to the front.

The store's lock (`store.instance_lock`) is what refuses the second instance; this only makes the
refusal friendly. The running app listens on a local socket named after its data dir
(`QLocalServer`); a second start that was refused connects to it (`QLocalSocket`) and asks it to
show itself, then explains in a dialog. If nothing answers (the first app has no window, e.g. it
runs headless), the dialog alone says which process holds the data.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

try:  # the packaged app leaves QtNetwork out (resources/packaging): then the dialog alone speaks
    from PySide6.QtNetwork import QLocalServer, QLocalSocket
except ImportError:  # pragma: no cover - only in the trimmed bundle
    QLocalServer = QLocalSocket = None  # type: ignore[assignment,misc]

log = logging.getLogger(__name__)

SHOW = b"show\n"
CONNECT_MS = 500


def server_name(data_dir: Path) -> str:
    """One name per data dir (a path is too long and has characters a socket name may not)."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return f"moniqo-desktop-{digest}"


class RaiseOnRequest(QObject):
    """Listens while the window lives; any client's "show" brings the window to the front."""

    def __init__(self, data_dir: Path, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self.requests = 0
        if QLocalServer is None:
            return
        self.server = QLocalServer(self)
        name = server_name(data_dir)
        QLocalServer.removeServer(name)  # a socket file left by a killed holder (we own the lock)
        if not self.server.listen(name):
            log.info("cannot listen for a second start (%s)", self.server.errorString())
        self.server.newConnection.connect(self._on_connection)

    def _on_connection(self) -> None:
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            sock.readyRead.connect(lambda s=sock: self._on_ready(s))
            sock.disconnected.connect(sock.deleteLater)

    def _on_ready(self, sock: QLocalSocket) -> None:
        if bytes(sock.readAll().data()).startswith(SHOW.strip()):
            self.requests += 1
            window = self._window
            window.showNormal()
            window.raise_()
            window.activateWindow()
            sock.write(b"ok\n")
            sock.flush()


def ask_running_window_to_show(data_dir: Path) -> bool:
    """Ask the app that holds `data_dir` to raise its window; True if it answered."""
    if QLocalSocket is None:
        return False
    sock = QLocalSocket()
    sock.connectToServer(server_name(data_dir))
    if not sock.waitForConnected(CONNECT_MS):
        return False
    sock.write(SHOW)
    sock.flush()
    answered = sock.waitForReadyRead(CONNECT_MS) and bytes(sock.readAll().data()).startswith(b"ok")
    sock.disconnectFromServer()
    return answered

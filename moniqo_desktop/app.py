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
from logging.handlers import RotatingFileHandler
from pathlib import Path

from . import __version__, redaction
from .config import DB_FILENAME, Settings, default_data_dir, settings_path

log = logging.getLogger("moniqo_desktop")

FEED_SECONDS = 1.0
SHOWN = "shown_to_user"
"""Log-record flag: the message was already printed as the one-line error; the console skips it."""


def setup_logging(data_dir: Path, console: bool) -> Path:
    """Log to a rotating file in the user's data dir (never the install dir)."""
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "moniqo.log"
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(fmt)
    redaction.add_handler(handler)
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(fmt)
        stream.setLevel(logging.WARNING)
        stream.addFilter(lambda record: not getattr(record, SHOWN, False))
        redaction.add_handler(stream)
    redaction.install()
    return path


async def feed_prices(exchange: object, stop: asyncio.Event) -> None:
    """Drive the paper exchange's price feed: the 'market' that moves while the app runs."""
    tick = getattr(exchange, "tick", None)
    if tick is None:
        return
    while not stop.is_set():
        try:
            await tick()
        except Exception:  # a broken feed step must not end the market
            log.exception("price feed step failed")
        try:
            await asyncio.wait_for(stop.wait(), FEED_SECONDS)
        except asyncio.TimeoutError:
            pass


def run(args: argparse.Namespace) -> int:
    data_dir: Path = args.data_dir or default_data_dir()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        setup_logging(data_dir, console=True)
    except OSError as exc:
        print(f"error: the data directory {data_dir} is not usable ({exc.strerror or exc}); "
              "choose another with --data-dir or fix its permissions", file=sys.stderr)
        return 2
    settings = Settings.load(settings_path(None if args.data_dir is None else data_dir))
    exchange_id = args.exchange or settings.exchange
    sandbox = args.sandbox or settings.sandbox
    db_path = data_dir / DB_FILENAME
    if args.price_feed:
        settings.demo_price_feed = args.price_feed
    from .exchanges.factory import VenueRefused, check_venue

    try:  # missing keys for this mode or a venue lacking essentials: one clear line, exit 2
        for notice in check_venue(exchange_id, sandbox):
            log.warning("%s", notice)
    except VenueRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        if not args.headless and args.quit_after is None:  # nobody reads stderr of a GUI app
            from PySide6.QtWidgets import QApplication, QMessageBox

            app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 (kept alive)
            QMessageBox.critical(None, "Moniqo Desktop — cannot connect", str(exc))
        return 2
    if args.headless:
        from .headless import run_headless

        return asyncio.run(run_headless(db_path, exchange_id, sandbox, settings,
                                        args.quit_after))
    return run_gui(db_path, exchange_id, sandbox, settings, args.quit_after, data_dir)


def run_gui(db_path: Path, exchange_id: str, sandbox: bool, settings: Settings,
            quit_after: float | None, data_dir: Path) -> int:
    import qasync
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QMessageBox

    from .engine import Engine
    from .engine.events import EventBus, Progress
    from .exchanges.factory import build_exchange
    from .store import StoreError
    from .store.instance_lock import StoreInUse
    from .ui import single_instance
    from .ui.startup import StartupProgress

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Moniqo Desktop")
    app.setOrganizationName("Moniqo")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("moniqo-desktop")
    # Teardown closes the window before the engine has finished writing; quitting is ours.
    app.setQuitOnLastWindowClosed(False)
    from .ui import pyside_fixes

    pyside_fixes.apply()
    icon_path = Path(__file__).parent / "resources" / "moniqo.svg"
    if icon_path.exists():
        app.setWindowIcon(QIcon(str(icon_path)))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    stop = asyncio.Event()
    exit_code = 0

    def fatal(title: str, text: str) -> None:
        """Tell the trader why we cannot start (a smoke run has nobody to click OK)."""
        print(f"error: {text}", file=sys.stderr)
        if quit_after is None:
            QMessageBox.critical(None, title, text)

    async def main() -> None:
        nonlocal exit_code
        from .ui.main_window import MainWindow

        bus = EventBus()
        progress = StartupProgress(exchange_id)
        bus.subscribe(progress.on_event, Progress)
        try:
            exchange = build_exchange(exchange_id, sandbox=sandbox, settings=settings)
            engine = await Engine.open(db_path, exchange, settings=settings, bus=bus)
        except StoreError as exc:
            progress.close()
            log.error("cannot open the database: %s", exc, extra={SHOWN: True})
            text = str(exc)
            if isinstance(exc, StoreInUse) and single_instance.ask_running_window_to_show(data_dir):
                text += " (its window was brought to the front)"
            fatal("Moniqo Desktop — database problem", text)
            exit_code = 2
            return
        except Exception as exc:
            progress.close()
            log.exception("start-up failed")
            fatal("Moniqo Desktop — cannot start", str(exc))
            exit_code = 1
            return
        progress.close()
        custom_dir = data_dir != default_data_dir()
        # A data dir of its own keeps its own window layout too.
        layout = QSettings(str(data_dir / "ui.ini"), QSettings.Format.IniFormat) \
            if custom_dir else None
        window = MainWindow(engine, settings, qsettings=layout,
                            settings_file=settings_path(data_dir if custom_dir else None))
        window.show()
        single_instance.RaiseOnRequest(data_dir, window)
        engine.start()
        feeder = asyncio.ensure_future(feed_prices(exchange, stop))
        app.aboutToQuit.connect(stop.set)
        app.lastWindowClosed.connect(stop.set)
        try:
            await stop.wait()
        finally:
            feeder.cancel()
            await asyncio.gather(feeder, return_exceptions=True)
            window.save_state()
            window.close()
            await engine.close()

    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if quit_after is not None:
        loop.call_later(quit_after, stop.set)
    with loop:
        loop.run_until_complete(main())
    return exit_code

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

from typing import Any

from . import __version__, redaction
from .compose import FeedStatus, check_venue_ready, choose_venue, \
    feed_prices  # noqa: F401  (the window's feed, re-exported)
from .config import DB_FILENAME, Settings, default_data_dir, settings_path
from .gc_pauses import settle_after_start
from .startup_checks import PAPER_IDS, UserError, check_settings_ranges, check_settings_venue, \
    ignored_settings, usable_dir

log = logging.getLogger("moniqo_desktop")

SHOWN = "shown_to_user"
"""Log-record flag: the message was already printed as the one-line error; the console skips it."""


class OneLineFormatter(logging.Formatter):
    """For the console: the message only. Tracebacks belong in the log file."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def setup_logging(data_dir: Path, console: bool) -> Path:
    """Log to a rotating file in the user's data dir (never the install dir)."""
    log_dir = usable_dir(data_dir / "logs", "log dir")
    path = log_dir / "moniqo.log"
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write the log file {path}: {exc.strerror or exc}") from None
    handler.setFormatter(fmt)
    redaction.add_handler(handler)
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(OneLineFormatter("%(levelname)s %(name)s: %(message)s"))
        stream.setLevel(logging.WARNING)
        stream.addFilter(lambda record: not getattr(record, SHOWN, False))
        redaction.add_handler(stream)
    redaction.install()
    return path


def _log_uncaught(kind: type[BaseException], value: BaseException, tb: Any) -> None:
    """Anything unexpected: the traceback to the log file, one line to the console."""
    log.critical("unexpected error: %s", value or kind.__name__, exc_info=(kind, value, tb))


def report_user_error(exc: UserError, *, dialog: bool) -> int:
    log.info("start-up refused: %s", exc)

    def announce() -> None:
        print(f"error: {exc}", file=sys.stderr, flush=True)

    if dialog:
        from .ui.fatal_dialog import show_fatal

        show_fatal("Moniqo Desktop — cannot start", str(exc), announce)
    else:
        announce()
    return exc.exit_code


def run(args: argparse.Namespace) -> int:
    dialog = not args.headless and args.quit_after is None
    sys.excepthook = _log_uncaught
    try:
        data_dir = usable_dir(args.data_dir or default_data_dir(), "data dir")
        setup_logging(data_dir, console=True)
        settings_file = settings_path(None if args.data_dir is None else data_dir)
        settings, notices = Settings.load_with_notes(settings_file)
        check_settings_ranges(settings, settings_file)
        connect = connect_target(args)  # first: with --connect the venue flags mean nothing
        if connect is None:
            check_settings_venue(settings, settings_file, exchange=args.exchange,
                                 price_feed=args.price_feed)
        exchange_id, sandbox = choose_venue(settings, args.exchange, args.sandbox,
                                            args.price_feed)
    except UserError as exc:
        return report_user_error(exc, dialog=dialog)
    if connect is not None:  # a window on a server engine: no venue, no keys, no local store
        return run_gui(data_dir / DB_FILENAME, exchange_id, sandbox, settings, args.quit_after,
                       data_dir, connect=connect)
    notices += ignored_settings(exchange_id, settings, settings_file)
    for notice in notices:  # the console (headless: all it has) and the log file
        log.warning("%s", notice)
    db_path = data_dir / DB_FILENAME
    try:  # missing keys for this mode or a venue lacking essentials: one clear line, exit 2
        check_venue_ready(exchange_id, sandbox)
    except UserError as exc:
        return report_user_error(exc, dialog=dialog)
    # The store file's read-only check (quick_check: 0.07-0.19 s on a week of updates for 1 000
    # positions) runs on its own thread while SQLAlchemy, the engine (and for the window, Qt)
    # are imported; the store waits for its answer before it touches the file
    # (`store.sqlite_file`). Both front ends, so a refused file reads the same in each.
    from .store.sqlite_file import FileCheck

    early_check = FileCheck.start(db_path)
    if args.headless:
        settle_after_start()  # a headless run has no window to wait for
        from .headless import run_headless

        return asyncio.run(run_headless(db_path, exchange_id, sandbox, settings,
                                        args.quit_after, early_check=early_check))
    return run_gui(db_path, exchange_id, sandbox, settings, args.quit_after, data_dir,
                   early_check=early_check, notices=notices)


DEFAULT_ACCOUNT = "default"


def connect_target(args: argparse.Namespace) -> tuple[str, str] | None:
    """`--connect URL|NAME [--account NAME]`: the server's database — a URL, or the name of one
    kept in the OS keyring (`keys set-database NAME`), never the settings file — and the
    account (None: local)."""
    target = getattr(args, "connect", None)
    account = getattr(args, "account", None)
    if target is None:
        if account is not None:  # silently dropped, it would leave a window on another store
            raise UserError("--account names a server's account; it goes with --connect")
        return None
    if args.headless:
        raise UserError("--connect opens the window on a server engine; --headless has none "
                        "(run `moniqo-desktop serve` on the server instead)")
    given = [flag for flag, value in (("--exchange", args.exchange), ("--sandbox", args.sandbox),
                                      ("--price-feed", args.price_feed)) if value]
    if given:
        raise UserError(f"{' and '.join(given)} with --connect: the server's engine runs its own "
                        f"venue (give it to `moniqo-desktop serve`), so drop it here")
    from .server.database_url import resolve_url

    account = account or DEFAULT_ACCOUNT
    return resolve_url(target, account), account


def run_gui(db_path: Path, exchange_id: str, sandbox: bool, settings: Settings,
            quit_after: float | None, data_dir: Path,
            connect: tuple[str, str] | None = None, early_check: Any = None,
            notices: list[str] | None = None) -> int:
    """The window on a local engine, or with `connect` (URL, account) on a server's.
    `early_check`: the store file's check, already running (`store.sqlite_file.FileCheck`);
    `notices`: settings ignored for this venue, for the log panel and status bar."""
    # The engine (SQLAlchemy with it) before Qt: once PySide6 is in, every module imported
    # after it is read back from its source file (PySide6's `__feature__` check calls
    # inspect.getsource on each), and SQLAlchemy's ~90 modules cost 12 MiB of cached source
    # lines and their CPU time there (#14, start-up).
    from .compose import compose
    from .engine.events import EventBus, Progress
    if connect is not None:  # psycopg and the remote engine: only for a window on a server
        from .remote.session import connect as connect_to_server, server_label
    from .store import StoreError
    from .store.instance_lock import StoreInUse
    if connect is None:  # what `compose` builds: the local file's SQL dialect, a paper venue
        import sqlalchemy.dialects.sqlite  # noqa: F401
        if exchange_id in PAPER_IDS:
            from .exchanges import demo  # noqa: F401  (a real venue's ccxt is in already)

    import qasync
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QIcon
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from .ui import single_instance
    from .ui.first_paint import FIRST_PAINT_TIMEOUT, first_paint
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

        def announce() -> None:
            print(f"error: {text}", file=sys.stderr, flush=True)

        if quit_after is None:
            from .ui.fatal_dialog import show_fatal

            show_fatal(title, text, announce)
        else:
            announce()

    async def main() -> None:
        nonlocal exit_code
        from .ui.main_window import MainWindow

        bus = EventBus()
        progress = StartupProgress(exchange_id if connect is None
                                   else f"the server at {server_label(connect[0])}")
        bus.subscribe(progress.on_event, Progress)
        try:
            if connect is None:
                parts: Any = await compose(db_path, exchange_id, sandbox=sandbox,
                                           settings=settings, bus=bus,
                                           early_check=early_check)
            else:
                parts = await connect_to_server(connect[0], account=connect[1],
                                                settings=settings, bus=bus)
        except UserError as exc:
            progress.close()
            log.info("start-up refused: %s", exc)
            fatal("Moniqo Desktop — cannot start", str(exc))
            exit_code = exc.exit_code
            return
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
        engine = parts.engine
        progress.close()
        custom_dir = data_dir != default_data_dir()
        # A data dir of its own keeps its own window layout too.
        layout = QSettings(str(data_dir / "ui.ini"), QSettings.Format.IniFormat) \
            if custom_dir else None
        window = MainWindow(engine, settings, qsettings=layout,
                            settings_file=settings_path(data_dir if custom_dir else None))
        window.show()
        # several windows may watch one server: none holds the data dir
        beacon = single_instance.RaiseOnRequest(data_dir, window) if connect is None else None
        if parts.note:
            window.show_notice(parts.note)
        for i, notice in enumerate(notices or ()):  # a key each: the strip counts them
            window.show_notice(notice, f"settings-{i}")
        app.aboutToQuit.connect(stop.set)
        app.lastWindowClosed.connect(stop.set)
        try:
            # The engine's first pass (1 000 positions: prices, exits, marks) right after the
            # first paint instead of in front of it; start-up has reconciled already.
            painted = await first_paint(window)
            log.info("window %s; the engine's jobs start", "painted" if painted
                     else f"not painted within {FIRST_PAINT_TIMEOUT:g} s")
            parts.start(window.feed_status)
            settle_after_start()  # no full collection walks the start-up objects again
            await stop.wait()
        finally:
            if beacon is not None:
                beacon.close()
            # Closing saves the window's state (`MainWindow.closeEvent`), once: a window the
            # trader closed already saved it then, and Qt does not close it twice.
            window.close()
            await parts.close()

    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    wake = QTimer()  # lets Python's signal handlers run while Qt's loop has the thread
    wake.timeout.connect(lambda: None)
    wake.start(200)
    if quit_after is not None:
        loop.call_later(quit_after, stop.set)
    with loop:
        loop.run_until_complete(main())
    return exit_code

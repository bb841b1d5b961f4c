"""`moniqo-desktop serve`: the engine as a service — no window, logs on stdout, stops on SIGTERM.

    moniqo-desktop serve [--database URL|NAME] [--exchange ID] [--sandbox] [--account NAME]

One process serves one account of one database. It holds the account's PostgreSQL advisory
lock for its whole life (a second server for the account refuses at once, naming the holder's
host and pid, exit 2), writes its heartbeat row every poll, executes the commands its windows
queue — woken by their NOTIFY, and claiming at every poll anyway in case a notification was
missed — and NOTIFYs what it changed. SIGTERM or SIGINT: the command in hand is finished, the
engine closed (its writes flushed), the heartbeat marked stopped, exit 0.

Logs are one line per record on stdout (journald keeps them), through the same redacting
filter as the window's log file; the database's password is registered as a secret.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
from dataclasses import replace
from pathlib import Path

from .. import __version__, redaction
from ..compose import Composition, check_venue_ready, choose_venue, compose
from ..config import Settings, settings_path
from ..domain.orders import utcnow
from ..startup_checks import UserError, check_settings_ranges, check_settings_venue, \
    ignored_settings
from ..store import StoreError
from ..store.commands import Heartbeat, mark_stopped, write_heartbeat
from .database_url import hidden, resolve_url
from .executor import CommandExecutor
from .notifier import ChangeNotifier

log = logging.getLogger("moniqo_desktop.server")

FLUSH_SECONDS = 0.25
"""How often changes are NOTIFYed to the windows (one notification per kind per flush)."""


class OneLine(logging.Formatter):
    """A record on one line, its traceback included (newlines shown as ' | '), for journald."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r", "").replace("\n", " | ")


def setup_logging() -> None:
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(OneLine("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    redaction.add_handler(handler)
    redaction.install()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moniqo-desktop serve",
        description="Run the engine with no window, as a service on a PostgreSQL database; "
                    "windows connect to it with `moniqo-desktop --connect`.")
    parser.add_argument("--database", default=None, metavar="URL|NAME",
                        help="postgresql+psycopg://user@host/db, or the name of a URL stored "
                             "with `moniqo-desktop keys set-database NAME` (default: the one "
                             "stored under the account's name)")
    parser.add_argument("--account", default="default",
                        help="which account of the database this server runs (default: default)")
    parser.add_argument("--exchange", default=None,
                        help="'demo' (paper trading, default) or a ccxt exchange id")
    parser.add_argument("--sandbox", action="store_true", help="the exchange's testnet")
    parser.add_argument("--price-feed", default=None, metavar="FEED",
                        help="prices for the paper exchange (as for the window)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="where the settings file is read from (default: the user's)")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()
    try:
        url = resolve_url(args.database, args.account)
        source = settings_path(args.data_dir)
        settings, notices = Settings.load_with_notes(source)
        check_settings_ranges(settings, source)
        check_settings_venue(settings, source, exchange=args.exchange,
                             price_feed=args.price_feed)
        exchange_id, sandbox = choose_venue(settings, args.exchange, args.sandbox,
                                            args.price_feed)
        check_venue_ready(exchange_id, sandbox)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
    # what the file asks that this venue ignores is said, as the window and --headless say it
    for notice in notices + ignored_settings(exchange_id, settings, source):
        log.warning("%s", notice)
    return asyncio.run(serve(url, exchange_id, sandbox, settings, args.account))


async def serve(url: str, exchange_id: str, sandbox: bool, settings: Settings,
                account: str) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        parts = await compose(url, exchange_id, sandbox=sandbox, settings=settings,
                              account=account)
    except (UserError, StoreError) as exc:
        # StoreInUse names the holder: another server of this account is alive.
        print(f"error: {exc}", file=sys.stderr, flush=True)
        log.info("start refused: %s", exc)
        return exc.exit_code if isinstance(exc, UserError) else 2
    if parts.note:
        log.warning("%s", parts.note)
    await Service(parts, account, url).run(stop)
    return 0


class Service:
    """The running server: heartbeat, commands, notifications around one composed engine."""

    def __init__(self, parts: Composition, account: str, url: str) -> None:
        self.parts = parts
        self.engine = parts.engine
        self.account = account
        self.url = url
        now = utcnow()
        self.beat = Heartbeat(account=account, host=socket.gethostname(), pid=os.getpid(),
                              exchange=self.engine.exchange_name,
                              mode=self.engine.venue_mode.value, version=__version__,
                              started_at=now, beat_at=now)
        self.executor = CommandExecutor(self.engine, account)
        self.notifier = ChangeNotifier(self.engine, account)
        self._wake = asyncio.Event()

    @property
    def store(self):  # -> Store
        return self.engine.ctx.store

    def heartbeat(self) -> None:
        self.beat = replace(self.beat, beat_at=utcnow())
        try:
            write_heartbeat(self.store, self.beat)
        except StoreError as exc:  # windows will show the server as late; trading goes on
            log.warning("cannot write the heartbeat: %s", exc)

    def _on_notice(self, body: dict) -> None:
        if body.get("kind") == "command":
            self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        from ..remote.listener import Listener
        from ..remote.publisher import FactsPublisher
        from ..store.database import resolve

        engine = self.engine
        self.heartbeat()
        publisher = FactsPublisher(engine, self.account)
        listener = None
        try:
            publisher.start()
            location = resolve(self.url)
            if location.url.get_backend_name() == "postgresql":
                listener = Listener(location.url, self.account, self._on_notice,
                                    on_reconnect=self._wake.set)
                await listener.start()
            self.parts.start()
            await self.executor.recover()
            self.notifier.flush()
            log.info("serving account %r on %s (%s) from %s as %s pid %s", self.account,
                     engine.exchange_name, engine.venue_mode.label, hidden(self.url),
                     self.beat.host, self.beat.pid)
            await self._loop(stop)
        finally:
            if listener is not None:
                await listener.close()
            publisher.stop()
            self.notifier.close()
            try:
                mark_stopped(self.store, self.account, self.beat.pid)
            except StoreError as exc:
                log.warning("cannot mark the heartbeat stopped: %s", exc)
            await self.parts.close()
            log.info("stopped")

    async def _loop(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        poll = self.engine.poll_interval
        next_poll = loop.time()
        while not stop.is_set():
            now = loop.time()
            if self._wake.is_set() or now >= next_poll:
                self._wake.clear()
                try:
                    await self.executor.drain()
                except StoreError as exc:
                    log.error("cannot read the commands: %s", exc)
                if now >= next_poll:
                    self.heartbeat()
                    next_poll = now + poll
            self.notifier.flush()
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({waiter, stopper}, timeout=FLUSH_SECONDS,
                               return_when=asyncio.FIRST_COMPLETED)
            for task in (waiter, stopper):
                task.cancel()

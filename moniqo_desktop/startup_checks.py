"""A user's mistake at start-up is one clear line, exit code 2; never a traceback.

Everything here runs before the store, the exchange or a window exists, and checks what the
user gave us (flags, settings, directories) in the order that gives the most useful answer:
an unknown exchange id is named before anything could fail on the keyring for it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PAPER_IDS = ("demo", "paper", "")


class UserError(Exception):
    """A mistake the user can fix (bad flag value, unusable directory): shown as one line."""

    exit_code = 2


def usable_dir(path: Path, what: str) -> Path:
    """Create `path` if needed and check it is a directory we can write to."""
    if path.exists() and not path.is_dir():
        raise UserError(f"{what} {path} is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UserError(f"{what} {path} is not a directory (a part of the path is a file)") \
            from None
    except PermissionError:
        raise UserError(f"the {what} {path} is not usable (permission denied); choose another "
                        f"with --data-dir or fix its permissions") from None
    except OSError as exc:
        raise UserError(f"cannot create {what} {path}: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK | os.X_OK) or not _writable(path):
        raise UserError(f"the {what} {path} is not usable (read-only); choose another with "
                        f"--data-dir or fix its permissions")
    return path


def _writable(path: Path) -> bool:
    """Really try (root passes os.access on a read-only mount)."""
    probe = path / f".moniqo-write-test-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
        return True
    except OSError:
        return False


def check_exchange_id(exchange_id: str) -> None:
    """An id ccxt does not know is named first (before keys, keyring or network)."""
    if exchange_id in PAPER_IDS:
        return
    import ccxt

    if exchange_id not in ccxt.exchanges:
        raise UserError(f"unknown exchange {exchange_id!r}: use 'demo' (paper trading) or a "
                        f"ccxt exchange id such as binance, okx, bybit, kraken")


def check_flags_fit_venue(exchange_id: str, *, sandbox: bool, price_feed: str | None) -> None:
    """Flags that mean nothing for the venue in use are a mistake, not silently dropped: a
    trader who typed --sandbox believes the window runs on a testnet (paper has none), and one
    who typed --price-feed with a real exchange believes in prices that venue never uses."""
    if exchange_id in PAPER_IDS:
        if sandbox:
            raise UserError("--sandbox is for a real exchange's testnet; paper trading "
                            "(--exchange demo) has none: drop --sandbox, or use it with "
                            "e.g. --exchange binance")
    elif price_feed:
        raise UserError(f"--price-feed is for paper trading only; {exchange_id} gives its own "
                        f"prices: drop --price-feed, or use --exchange demo")


def check_price_feed(spec: str | None, given_as: str = "--price-feed") -> None:
    """A price feed the paper exchange cannot use is a mistake (of the flag or setting
    `given_as`), not a crash."""
    if not spec:
        return
    from .domain import DomainError
    from .exchanges.factory import build_feed

    try:
        build_feed(spec)
    except DomainError as exc:
        raise UserError(f"{given_as}: {exc}") from None
    kind, _, rest = spec.partition(":")
    if kind == "live" and rest:
        check_exchange_id(rest)


def check_settings_venue(settings: Any, source: Path, *, exchange: str | None,
                         price_feed: str | None) -> None:
    """The venue the settings file `source` asks for where no flag overrides it, checked as
    the flags are, and named as what it is: the trader typed no such flag, so the one line
    says which setting of which file to fix."""
    if exchange is None:
        try:
            check_exchange_id(settings.exchange)
        except UserError as exc:
            raise UserError(f'"exchange" in {source}: {exc}') from None
    if (exchange or settings.exchange) in PAPER_IDS and price_feed is None \
            and settings.demo_price_feed != type(settings)().demo_price_feed:
        try:
            check_price_feed(settings.demo_price_feed, f'"demo_price_feed" in {source}')
        except UserError as exc:
            if "demo_price_feed" in str(exc):
                raise
            raise UserError(f'"demo_price_feed" in {source}: {exc}') from None


def check_settings_ranges(settings: Any, source: Path) -> None:
    """Values of the right kind that mean nothing (a poll every -1 s, a negative fee rate) are
    refused as the settings file's other mistakes are: one line naming each setting and the
    file (`Settings.out_of_range` holds the rules the Settings dialog applies too)."""
    wrong = settings.out_of_range()
    if wrong:
        said = "; ".join(f'"{name}": {why}' for name, why in wrong)
        raise UserError(f"settings in {source} out of range: {said}")


def open_exchange(exchange_id: str, *, sandbox: bool, settings: Any) -> tuple[Any, str | None]:
    """The exchange to use and, when it runs with less than asked, a note saying why.

    No usable OS keyring is not fatal: prices and markets are public, so the app runs on them
    and says that keys are unavailable and why (trading needs them)."""
    from .domain import DomainError
    from .exchanges.factory import build_exchange
    from .exchanges.errors import ExchangeError

    check_exchange_id(exchange_id)
    try:
        try:
            return build_exchange(exchange_id, sandbox=sandbox, settings=settings), None
        except _key_store_error() as exc:
            from .exchanges.ccxt_exchange import CcxtExchange

            # Built first: a testnet the venue lacks is the one line, before the keyring's.
            exchange = CcxtExchange(exchange_id, sandbox=sandbox)
            log.warning("API keys unavailable for %s: %s", exchange_id, exc)
            return exchange, (f"API keys unavailable ({exc}); public data only: prices and "
                              f"markets work, trading needs keys")
    except (DomainError, ExchangeError) as exc:  # e.g. --sandbox where there is no testnet
        hint = (": start it without --sandbox (and without \"sandbox\": true in the "
                "settings file)") if sandbox and "sandbox" in str(exc) else ""
        raise UserError(f"{exc}{hint}") from None


def ignored_settings(exchange_id: str, settings: Any, source: Path) -> list[str]:
    """What the settings file `source` asks that means nothing for the venue in use, one line
    each: said, never silently dropped (#14).

    Not refused like the same flag (`check_flags_fit_venue`): a flag is typed for this start
    and dropping it costs nothing, but the settings file is the app's memory, fixed in its own
    Settings dialog, so a refusal would lock the trader out of the window that fixes it (and
    refuse `--exchange demo` to one whose settings say binance testnet). What is ignored is the
    harmless direction too: paper trades nothing real, the badge says PAPER, and a real venue
    runs on its own prices. So the start goes on and the window's log panel and status bar
    (headless: stderr) say which setting of which file is ignored, and how to fix it."""
    from dataclasses import fields

    if exchange_id in PAPER_IDS:
        if settings.sandbox:
            return [f'settings: "sandbox": true in {source} is ignored: paper trading has no '
                    f"testnet (running PAPER); untick it in Settings, or use it with a real "
                    f"exchange (e.g. --exchange binance)"]
        return []
    defaults = type(settings)()
    paper_only = [f.name for f in fields(settings) if f.name.startswith("demo_")
                  and getattr(settings, f.name) != getattr(defaults, f.name)]
    if not paper_only:
        return []
    return [f"settings: {', '.join(paper_only)} in {source} "
            f"{'is' if len(paper_only) == 1 else 'are'} for paper trading only and ignored "
            f"on {exchange_id} (it runs on its own prices and account)"]


def _key_store_error() -> type[Exception]:
    """The keyring's error class, imported only when an exception is being matched (an
    `except` clause is evaluated then): a paper start never loads the keyring."""
    from .exchanges.keys import KeyStoreError

    return KeyStoreError

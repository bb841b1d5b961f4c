"""Command line: `moniqo-desktop` / `python -m moniqo_desktop`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .domain import DomainError
from .domain.money import parse_number
from .exchanges.factory import FEED_HELP
from .gc_pauses import pause_for_start, paused, settle_after_start


def seconds(text: str) -> float:
    """--quit-after: a number a person typed, read by the domain's one strict parser (no
    exponent, NaN or sign), then a float of seconds for the timer."""
    try:
        return float(parse_number(text, "seconds"))
    except DomainError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moniqo-desktop",
        description="Moniqo Desktop: a desktop trading monitor (paper trading by default).",
    )
    parser.add_argument("--version", action="version", version=f"moniqo-desktop {__version__}")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="where the database and logs live (default: the user data dir)")
    parser.add_argument("--exchange", default=None,
                        help="'demo' (paper trading, default) or a ccxt exchange id, e.g. binance")
    parser.add_argument("--sandbox", action="store_true",
                        help="use the exchange's testnet/sandbox")
    parser.add_argument("--price-feed", default=None, metavar="FEED",
                        help="prices for the paper exchange: " + FEED_HELP)
    parser.add_argument("--quit-after", type=seconds, default=None, metavar="S",
                        help="quit cleanly after S seconds (smoke tests)")
    parser.add_argument("--headless", action="store_true",
                        help="run the engine without a window and print what it does")
    parser.add_argument("--connect", default=None, metavar="URL|NAME",
                        help="open the window on an engine that runs on a server "
                             "(`moniqo-desktop serve`): its PostgreSQL URL "
                             "(postgresql+psycopg://user@host/db), or the name of one stored "
                             "with `moniqo-desktop keys set-database NAME`")
    parser.add_argument("--account", default=None, metavar="NAME",  # None: not given
                        help="with --connect: the server's account (default: default)")
    return parser


def main(argv: list[str] | None = None) -> int:
    pause_for_start()  # a start needs no collector passes (gc_pauses); the window resumes it
    try:
        return _main(sys.argv[1:] if argv is None else argv)
    finally:
        if paused():
            settle_after_start()


def _main(argv: list[str]) -> int:
    if argv[:1] and argv[0] in ("keys", "serve"):
        settle_after_start()  # short commands, or a server whose start-up nobody waits on
    if argv[:1] == ["keys"] and argv[1:2] and argv[1].endswith("-database"):
        # `moniqo-desktop keys set-database|show-database|delete-database NAME`
        from .server.database_url import main as database_main

        return database_main(argv[1:])
    if argv[:1] == ["keys"]:  # `moniqo-desktop keys set|show|delete EXCHANGE [--sandbox]`
        from .exchanges.keys import main as keys_main

        return keys_main(argv[1:])
    if argv[:1] == ["serve"]:  # `moniqo-desktop serve --database ... [--account NAME]`
        from .server.service import main as serve_main

        return serve_main(argv[1:])
    args = build_parser().parse_args(argv)
    from .app import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())

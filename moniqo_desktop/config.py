"""Settings: where data lives and the knobs a trader may turn.

Settings are plain data (a JSON file in the user's config dir). Secrets never come here: API keys
live in the OS keyring, looked up by exchange id, so neither the database, this file nor a log
line can leak them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from pathlib import Path

import platformdirs

APP_NAME = "moniqo-desktop"
APP_AUTHOR = "Moniqo"
KEYRING_SERVICE = "moniqo-desktop"
DB_FILENAME = "moniqo.sqlite3"

log = logging.getLogger(__name__)


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def default_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))


@dataclass
class Settings:
    """User-tunable behaviour. Money-like values are kept as text so they round-trip exactly."""

    exchange: str = "demo"
    sandbox: bool = False
    order_poll_seconds: float = 2.0
    position_poll_seconds: float = 2.0
    update_log_min_seconds: float = 5.0
    update_log_min_move_percent: str = "0.05"
    update_log_retention_days: int = 7
    history_in_memory_days: int = 7  # closed orders/positions older than this: store only
    position_save_seconds: float = 5.0
    """How often open positions' marks (price, P&L, drawdown) are written while prices stream.
    A change of protection (a trailing stop moving, break-even, an edit) and the water marks a
    trailing stop follows are written at once; orders and fills are never throttled."""
    risk_stop_share: list[str] = field(default_factory=lambda: ["0.25", "0.50", "0.75"])
    risk_loss_percent: list[str] = field(default_factory=lambda: ["2", "5", "10"])
    native_stops: bool = True
    native_stop_min_seconds: float = 30.0
    # An order we cannot find is gone only after this many "not found" answers spread over at
    # least this long (venues briefly do not list an order they just accepted).
    not_found_answers: int = 3
    not_found_seconds: float = 30.0
    # Finished orders stay in the synced set this long, so a late fill still lands.
    late_fill_hours: float = 24.0
    late_fill_fast_seconds: float = 300.0
    """For this long after an order finished unfilled (or part-filled) it is looked up at every
    order poll; then the gap between look-ups doubles from the poll interval..."""
    late_fill_max_gap_seconds: float = 3600.0
    """...up to this: one finished order costs a few dozen requests a day, not one per poll."""
    demo_fee_rate: str = "0.001"
    demo_price_feed: str = "random"
    demo_allow_short: bool = False
    """Paper margin practice: let the paper exchange hold short positions (a spot venue
    cannot, so it is off by default)."""
    theme: str = "dark"
    chart_confirm_changes: bool = True  # a level dragged on the chart asks Enter / Esc first
    confirm_orders: bool = False
    """Ask "Buy 0.1 BTC/USDT at market?" before every order (for traders who want the pause)."""

    @property
    def update_log_min_move(self) -> Decimal:
        return Decimal(self.update_log_min_move_percent)

    @classmethod
    def load(cls, path: Path) -> "Settings":
        """Read settings; a missing file gives defaults, a broken one (or value) is reported
        (logged) and ignored."""
        settings, notes = cls.load_with_notes(path)
        for note in notes:
            log.warning("%s", note)
        return settings

    @classmethod
    def load_with_notes(cls, path: Path) -> tuple["Settings", list[str]]:
        """The settings, and one line for each thing of the file that was ignored (an
        unreadable file; a value of the wrong kind, which would otherwise fail deep in the
        engine, e.g. "order_poll_seconds": "abc"): the front end says them where the trader
        looks (the window: its log panel and status bar)."""
        if not path.exists():
            return cls(), []
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            return cls(), [f"settings: the file {path} is unreadable ({exc}); using defaults"]
        defaults = cls()
        values: dict[str, object] = {}
        notes = []
        for f in fields(cls):
            if f.name not in raw:
                continue
            value, default = raw[f.name], getattr(defaults, f.name)
            kind = _kind_wanted(value, default)
            if kind:
                notes.append(f'settings: "{f.name}": {value!r} in {path} is not {kind}; '
                             f"using the default {default!r}")
            else:
                values[f.name] = value
        return cls(**values), notes

    def out_of_range(self) -> list[tuple[str, str]]:
        """(setting, why) for each value of the right kind but outside what it can mean: a
        poll every -1 s or 0 s, a negative fee rate, thresholds out of order. Such a value is
        no typo the app can guess around (unlike a wrong kind, whose default is plainly
        meant), so the start refuses it and the Settings dialog does not save it."""
        found = []
        for name, (fits, words) in _RANGES.items():
            value = getattr(self, name)
            try:
                ok = fits(value)
            except (ArithmeticError, TypeError, ValueError):
                ok = False
            if not ok:
                found.append((name, f"{value!r} {words}"))
        return found

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        tmp.replace(path)


_KINDS: tuple[tuple[type, tuple[type, ...], str], ...] = (
    (bool, (bool,), "true or false"),  # before int: a bool is an int to Python
    (int, (int,), "a whole number"),
    (float, (int, float), "a number"),  # JSON writes 2.0 as 2
    (str, (str,), "text"),
    (list, (list,), "a list of texts"),
)


def _number(value: object) -> Decimal:
    """A setting's number, exact (JSON floats by their shortest text); text must be a plain
    finite number ("0.001"), never NaN or infinity."""
    number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


def _positive(value: object) -> bool:
    return _number(value) > 0


def _not_negative(value: object) -> bool:
    return _number(value) >= 0


def _increasing(value: object) -> bool:
    """Three risk thresholds: positive and increasing (medium < high < critical)."""
    numbers = [_number(v) for v in value]  # type: ignore[attr-defined]
    return len(numbers) == 3 and 0 < numbers[0] < numbers[1] < numbers[2]


MORE_THAN_0 = "must be more than 0"
NOT_NEGATIVE = "must be 0 or more"
_RANGES: dict[str, tuple[Callable[[object], bool], str]] = {
    "order_poll_seconds": (_positive, MORE_THAN_0),
    "position_poll_seconds": (_positive, MORE_THAN_0),
    "update_log_min_seconds": (_not_negative, NOT_NEGATIVE),
    "update_log_min_move_percent": (_not_negative, "must be a number, 0 or more"),
    "update_log_retention_days": (_positive, MORE_THAN_0),
    "history_in_memory_days": (_not_negative, NOT_NEGATIVE),
    "position_save_seconds": (_not_negative, NOT_NEGATIVE),
    "risk_stop_share": (_increasing, "must be three increasing shares above 0"),
    "risk_loss_percent": (_increasing, "must be three increasing percentages above 0"),
    "native_stop_min_seconds": (_not_negative, NOT_NEGATIVE),
    "not_found_answers": (_positive, "must be 1 or more"),
    "not_found_seconds": (_not_negative, NOT_NEGATIVE),
    "late_fill_hours": (_not_negative, NOT_NEGATIVE),
    "late_fill_fast_seconds": (_not_negative, NOT_NEGATIVE),
    "late_fill_max_gap_seconds": (_positive, MORE_THAN_0),
    "demo_fee_rate": (lambda v: 0 <= _number(v) < 1,
                      "must be 0 or more and less than 1 (0.001 is 0.1 %)"),
}


def _kind_wanted(value: object, default: object) -> str:
    """"" when `value` is of the kind of `default`, else what it should be ("a number");
    true/false is never taken for a number."""
    for kind, accepted, words in _KINDS:
        if isinstance(default, kind):
            fits = isinstance(value, accepted) and (kind is bool or not isinstance(value, bool))
            if fits and isinstance(value, list):
                fits = all(isinstance(v, str) for v in value)
            return "" if fits else words
    return ""


def settings_path(config_dir: Path | None = None) -> Path:
    return (config_dir or default_config_dir()) / "settings.json"

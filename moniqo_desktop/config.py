"""Settings: where data lives and the knobs a trader may turn.

Settings are plain data (a JSON file in the user's config dir). Secrets never come here: API keys
live in the OS keyring, looked up by exchange id, so neither the database, this file nor a log
line can leak them.
"""

from __future__ import annotations

import json
import logging
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
        """Read settings; a missing file gives defaults, a broken one is reported and ignored."""
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("settings file %s is unreadable (%s); using defaults", path, exc)
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        tmp.replace(path)


def settings_path(config_dir: Path | None = None) -> Path:
    return (config_dir or default_config_dir()) / "settings.json"

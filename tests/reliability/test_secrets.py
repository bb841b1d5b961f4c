"""Fake API keys go through the keyring API (an in-memory backend); after runs that hit
authentication errors, neither the log, the database nor the settings files contain them."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exchanges"))
from ccxt_replay import Replay, SleepRecorder  # noqa: E402

from moniqo_desktop import redaction  # noqa: E402
from moniqo_desktop.app import setup_logging  # noqa: E402
from moniqo_desktop.config import Settings, settings_path  # noqa: E402
from moniqo_desktop.engine import Engine  # noqa: E402
from moniqo_desktop.exchanges.ccxt_exchange import CcxtExchange  # noqa: E402
from moniqo_desktop.exchanges.ccxt_retry import RetryPolicy  # noqa: E402
from moniqo_desktop.exchanges.keys import ApiKeys, save_keys  # noqa: E402

KEY = "FAKEkey0h8Zq3L6v2N9pW4xR7tY1uI5oP0aS3dF6gH9jK2lZ5xC8vB1nM4qW7eR0t"
SECRET = "FAKEsecret9Kd2Lm5Np8Qr1St4Uv7Wx0Yz3Ab6Cd9Ef2Gh5Ij8Kl1Mn4Op7Qr0St"
PASSPHRASE = "fake-passphrase-7731"


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in this process only (the OS keyring stays untouched)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)
    redaction.forget_secrets()


def grep(folder: Path, *needles: str) -> list[str]:
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path.name}: {n[:6]}…" for n in needles if n.encode() in data]
    return hits


async def test_auth_errors_leave_no_key_in_log_db_or_settings(tmp_path, memory_keyring):
    save_keys("binance", ApiKeys(KEY, SECRET, PASSPHRASE))
    assert any(KEY in v for v in memory_keyring.items.values())  # the keyring has them
    root = logging.getLogger()
    before = list(root.handlers)
    setup_logging(tmp_path, console=False)
    Settings(exchange="binance").save(settings_path(tmp_path))
    try:
        exchange = CcxtExchange.from_keyring(
            "binance", retry=RetryPolicy(attempts=2, base_delay=0.1), sleep=SleepRecorder(),
            ccxt_options={"timeout_on_exit": 0, "enableRateLimit": False})
        assert exchange.client.apiKey == KEY
        replay = Replay("binance").add("exchange_info").add("error_invalid_api_key", sticky=True)
        replay.install(exchange.client)
        engine = await Engine.open(tmp_path / "moniqo.sqlite3", exchange)
        try:
            assert any(r.path == "/api/v3/account" for r in replay.sent())
            signed = replay.last("GET", "/api/v3/account")
            assert "signature" in signed.query  # a signed request really went out
            # the adapter's error chained from ccxt's, logged the way the app logs failures
            try:
                await exchange.fetch_balance()
            except Exception:
                logging.getLogger("moniqo_desktop.engine").exception(
                    "balance refresh failed; request %s headers %s", signed.url, signed.headers)
        finally:
            await engine.close()
    finally:
        for h in [h for h in root.handlers if h not in before]:
            h.flush()
            root.removeHandler(h)
            h.close()
    log_text = (tmp_path / "logs" / "moniqo.log").read_text(encoding="utf-8")
    assert "balance refresh failed" in log_text and "-2015" in log_text
    assert grep(tmp_path, KEY, SECRET, PASSPHRASE, signed.query["signature"]) == []

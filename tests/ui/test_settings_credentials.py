"""The Settings → Exchange credentials: the venue's own fields, the key set named, keyring off
the GUI thread (an in-memory keyring backend stands in for the OS one)."""

from __future__ import annotations

import sys
from pathlib import Path

import keyring
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exchanges"))
from test_ccxt_keys import MemoryKeyring  # noqa: E402

from moniqo_desktop.config import Settings  # noqa: E402
from moniqo_desktop.exchanges.keys import ApiKeys, load_keys, save_keys  # noqa: E402
from moniqo_desktop.ui.dialogs.settings_dialog import SettingsDialog  # noqa: E402


@pytest.fixture
def ring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def shown(dialog: SettingsDialog) -> list[str]:
    form = dialog._credential_form
    return [name for name, edit in dialog.credential_edits.items() if form.isRowVisible(edit)]


def _ccxt_requires(venue: str) -> list[str]:
    import ccxt

    return [name for name, needed in getattr(ccxt, venue)().requiredCredentials.items() if needed]


# the eight ask for what ccxt's requiredCredentials names (no private key or wallet address)
@pytest.mark.parametrize(("venue", "fields"), [
    *((venue, _ccxt_requires(venue)) for venue in
      ("binance", "okx", "bybit", "coinbase", "kraken", "kucoin", "gate", "bitget")),
    ("okx", ["apiKey", "secret", "password"]), ("kraken", ["apiKey", "secret"]), ("demo", []),
])
def test_the_dialog_asks_for_exactly_the_venues_fields(qtbot, ring, venue, fields):
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.exchange.setCurrentText(venue)
    qtbot.waitUntil(lambda: dialog.keys_loaded)
    assert shown(dialog) == fields


def test_live_and_sandbox_keys_are_separate_and_named(qtbot, ring):
    save_keys("binance", ApiKeys("live-key-1234", "live-secret"))
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.exchange.setCurrentText("binance")
    qtbot.waitUntil(lambda: dialog.keys_loaded)
    assert "Editing binance (live keys)" in dialog.keys_status.text()
    assert "stored" in dialog.keys_status.text() and "live-secret" not in dialog.keys_status.text()
    dialog.sandbox.setChecked(True)
    qtbot.waitUntil(lambda: dialog.keys_loaded)
    assert "Editing binance:sandbox (sandbox keys): none stored" in dialog.keys_status.text()

    dialog.api_key.setText("test-key-5678")
    dialog.api_secret.setText("test-secret")
    dialog.accept()
    qtbot.waitUntil(lambda: dialog.result_settings is not None)
    assert load_keys("binance", sandbox=True) == ApiKeys("test-key-5678", "test-secret")
    assert load_keys("binance") == ApiKeys("live-key-1234", "live-secret")  # untouched


def test_a_missing_passphrase_is_refused_and_nothing_is_stored(qtbot, ring):
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.exchange.setCurrentText("okx")
    qtbot.waitUntil(lambda: dialog.keys_loaded)
    dialog.api_key.setText("k")
    dialog.api_secret.setText("s")
    dialog.accept()
    qtbot.waitUntil(lambda: "Passphrase" in dialog.error.text())
    assert dialog.result_settings is None and ring.store == {}

"""API keys live in the OS keyring (an in-memory backend here) and never show in text."""

from __future__ import annotations

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

from moniqo_desktop.exchanges.ccxt_exchange import CcxtExchange
from moniqo_desktop.exchanges.keys import (
    SERVICE,
    ApiKeys,
    KeyStoreError,
    delete_keys,
    load_keys,
    save_keys,
)


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}
        self.locked = False

    def get_password(self, service, username):
        if self.locked:
            raise KeyringLocked("locked")
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        if (service, username) not in self.store:
            raise PasswordDeleteError("none")
        del self.store[(service, username)]


@pytest.fixture
def ring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


KEYS = ApiKeys("AKIA-live-key-123", "very-secret-456", "pass-789")


def test_round_trip_per_exchange_and_per_sandbox(ring):
    save_keys("binance", KEYS)
    save_keys("binance", ApiKeys("test-key", "test-secret"), sandbox=True)
    assert load_keys("binance") == KEYS
    assert load_keys("binance", sandbox=True) == ApiKeys("test-key", "test-secret")
    assert load_keys("okx") is None
    assert set(ring.store) == {(SERVICE, "binance"), (SERVICE, "binance:sandbox")}


def test_delete(ring):
    save_keys("binance", KEYS)
    assert delete_keys("binance") is True
    assert load_keys("binance") is None
    assert delete_keys("binance") is False


def test_secrets_never_in_repr_or_str():
    for text in (repr(KEYS), str(KEYS), f"{KEYS}", repr([KEYS])):
        assert "very-secret-456" not in text and "pass-789" not in text
        assert "AKIA-live-key-123" not in text


def test_refuses_incomplete_keys_and_odd_ids(ring):
    with pytest.raises(ValueError):
        save_keys("binance", ApiKeys("key", ""))
    with pytest.raises(ValueError):
        load_keys("../etc")


def test_unavailable_keyring_is_a_clear_error(ring):
    ring.locked = True
    with pytest.raises(KeyStoreError, match="keyring"):
        load_keys("binance")


async def test_from_keyring_uses_stored_keys(ring):
    save_keys("binance", KEYS)
    exchange = CcxtExchange.from_keyring("binance", ccxt_options={"timeout_on_exit": 0})
    assert exchange.client.apiKey == "AKIA-live-key-123"
    assert exchange.client.secret == "very-secret-456"
    assert "very-secret-456" not in repr(exchange)
    await exchange.close()


async def test_from_keyring_without_keys_is_public_only(ring):
    exchange = CcxtExchange.from_keyring("binance", ccxt_options={"timeout_on_exit": 0})
    assert not exchange.client.apiKey
    await exchange.close()


async def test_sandbox_keys_go_to_the_testnet(ring):
    save_keys("binance", ApiKeys("test-key", "test-secret"), sandbox=True)
    exchange = CcxtExchange.from_keyring("binance", sandbox=True, ccxt_options={"timeout_on_exit": 0})
    assert exchange.client.apiKey == "test-key"
    assert "testnet" in str(exchange.client.urls["api"]["private"])
    await exchange.close()

"""API keys in the operating system's keyring, never in files, settings or logs.

One keyring entry per exchange (and a separate one for its sandbox, so testnet keys never get
sent to the live venue), holding the key, secret and optional passphrase as one JSON value so
they are read and replaced together. `ApiKeys` hides its secrets from `repr` so an accidental log
line or traceback cannot leak them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

SERVICE = "moniqo-desktop"


class KeyStoreError(Exception):
    """The OS keyring is unavailable or refused the operation."""


@dataclass(frozen=True)
class ApiKeys:
    api_key: str
    secret: str = field(repr=False)
    password: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # show which key, never the secret
        shown = self.api_key[:4] + "…" if len(self.api_key) > 4 else "…"
        return f"ApiKeys(api_key={shown!r}, secret=***, password={'***' if self.password else None})"

    __str__ = __repr__

    def secrets(self) -> tuple[str, ...]:
        """Everything that must never appear in a message."""
        return tuple(s for s in (self.api_key, self.secret, self.password) if s)


def account_name(exchange_id: str, sandbox: bool = False) -> str:
    if not exchange_id or not exchange_id.replace("_", "").isalnum():
        raise ValueError(f"not an exchange id: {exchange_id!r}")
    return f"{exchange_id.lower()}{':sandbox' if sandbox else ''}"


def load_keys(exchange_id: str, *, sandbox: bool = False) -> ApiKeys | None:
    """The stored keys for `exchange_id`, or None when there are none."""
    try:
        raw = keyring.get_password(SERVICE, account_name(exchange_id, sandbox))
    except KeyringError as exc:
        raise KeyStoreError(f"cannot read API keys from the system keyring: {exc}") from None
    if not raw:
        return None
    try:
        data = json.loads(raw)
        return ApiKeys(data["api_key"], data["secret"], data.get("password") or None)
    except (ValueError, KeyError, TypeError):
        raise KeyStoreError(
            f"the stored API keys for {exchange_id} are unreadable; enter them again"
        ) from None


def save_keys(exchange_id: str, keys: ApiKeys, *, sandbox: bool = False) -> None:
    if not keys.api_key or not keys.secret:
        raise ValueError("an API key and its secret are both required")
    value = json.dumps({"api_key": keys.api_key, "secret": keys.secret, "password": keys.password})
    try:
        keyring.set_password(SERVICE, account_name(exchange_id, sandbox), value)
    except KeyringError as exc:
        raise KeyStoreError(f"cannot store API keys in the system keyring: {exc}") from None


def delete_keys(exchange_id: str, *, sandbox: bool = False) -> bool:
    """Forget the keys; returns False when there were none."""
    try:
        keyring.delete_password(SERVICE, account_name(exchange_id, sandbox))
    except PasswordDeleteError:
        return False
    except KeyringError as exc:
        raise KeyStoreError(f"cannot delete API keys from the system keyring: {exc}") from None
    return True


def main(argv: list[str] | None = None) -> int:
    """`python -m moniqo_desktop.exchanges.keys set|delete|show EXCHANGE [--sandbox]`.

    Prompts without echo, so keys never land in shell history.
    """
    import argparse
    import getpass

    parser = argparse.ArgumentParser(prog="python -m moniqo_desktop.exchanges.keys",
                                     description="Manage exchange API keys in the OS keyring.")
    parser.add_argument("action", choices=["set", "delete", "show"])
    parser.add_argument("exchange", help="ccxt exchange id, e.g. binance")
    parser.add_argument("--sandbox", action="store_true", help="the testnet keys")
    args = parser.parse_args(argv)
    try:
        if args.action == "set":
            api_key = getpass.getpass("API key: ").strip()
            secret = getpass.getpass("API secret: ").strip()
            password = getpass.getpass("Passphrase (empty if none): ").strip() or None
            save_keys(args.exchange, ApiKeys(api_key, secret, password), sandbox=args.sandbox)
            print(f"Saved keys for {account_name(args.exchange, args.sandbox)} in the OS keyring.")
        elif args.action == "delete":
            gone = delete_keys(args.exchange, sandbox=args.sandbox)
            print("Deleted." if gone else "No keys were stored.")
        else:
            keys = load_keys(args.exchange, sandbox=args.sandbox)
            print(repr(keys) if keys else "No keys stored.")
    except KeyStoreError as exc:
        print(f"error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

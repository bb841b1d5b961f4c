"""API keys in the operating system's keyring, never in files, settings or logs.

One keyring entry per exchange (and a separate one for its sandbox, named `<id>:sandbox`, so
testnet keys never get sent to the live venue), holding every credential the venue needs (key,
secret, and where the venue asks for them passphrase, user id, ...) as one JSON value so they are
read and replaced together. Which fields a venue needs comes from its profile
(`venues.profile_for`). `ApiKeys` hides its secrets from `repr` so an accidental log line or
traceback cannot leak them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from ..redaction import register_secret

SERVICE = "moniqo-desktop"

# ccxt credential name -> the JSON key it is stored under (the first three predate profiles)
_STORED = {"apiKey": "api_key", "secret": "secret", "password": "password", "uid": "uid"}


class KeyStoreError(Exception):
    """The OS keyring is unavailable or refused the operation."""


@dataclass(frozen=True)
class ApiKeys:
    api_key: str
    secret: str = field(repr=False)
    password: str | None = field(default=None, repr=False)
    uid: str | None = field(default=None, repr=False)
    # any other ccxt credential (privateKey, walletAddress, ...) by its ccxt name
    extra: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def __repr__(self) -> str:  # show which key, never the secret
        shown = self.api_key[:4] + "…" if len(self.api_key) > 4 else "…"
        return (f"ApiKeys(api_key={shown!r}, secret=***, password={'***' if self.password else None}"
                + (", uid=***" if self.uid else "") + (", +extra=***" if self.extra else "") + ")")

    __str__ = __repr__

    @classmethod
    def from_fields(cls, values: Mapping[str, str | None]) -> "ApiKeys":
        """From ccxt credential names (apiKey, secret, password, uid, privateKey, ...)."""
        clean = {k: (v or "").strip() for k, v in values.items()}
        extra = tuple(sorted((k, v) for k, v in clean.items() if k not in _STORED and v))
        return cls(clean.get("apiKey", ""), clean.get("secret", ""), clean.get("password") or None,
                   clean.get("uid") or None, extra)

    def fields(self) -> dict[str, str]:
        """Every credential that is set, by its ccxt name."""
        out = {"apiKey": self.api_key, "secret": self.secret, "password": self.password or "",
               "uid": self.uid or "", **dict(self.extra)}
        return {k: v for k, v in out.items() if v}

    def extra_credentials(self) -> dict[str, str]:
        """The credentials beyond key/secret/passphrase, by ccxt name (for the ccxt client)."""
        return {k: v for k, v in self.fields().items() if k not in ("apiKey", "secret", "password")}

    def secrets(self) -> tuple[str, ...]:
        """Everything that must never appear in a message."""
        return tuple(self.fields().values())


def required_fields(exchange_id: str) -> list[tuple[str, str]]:
    """(ccxt name, label) of each credential `exchange_id` needs, e.g. OKX adds a passphrase."""
    from .venues import profile_for

    try:
        return profile_for(exchange_id).credential_labels()
    except Exception:  # an id ccxt does not know: the common pair
        return [("apiKey", "API key"), ("secret", "API secret")]


def missing_fields(exchange_id: str, keys: ApiKeys) -> list[str]:
    """Labels of the required credentials `keys` leaves empty."""
    have = keys.fields()
    return [label for name, label in required_fields(exchange_id) if not have.get(name)]


def describe(exchange_id: str, sandbox: bool = False) -> str:
    """Which key set this is, in words: "binance (live keys)" / "binance:sandbox (sandbox keys)"."""
    return f"{account_name(exchange_id, sandbox)} ({'sandbox' if sandbox else 'live'} keys)"


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
        values = {name: data.get(stored) for name, stored in _STORED.items()}
        values.update(data.get("extra") or {})
        keys = ApiKeys.from_fields(values)
        if not data["api_key"] and not keys.extra:
            raise ValueError("empty")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise KeyStoreError(
            f"the stored API keys for {exchange_id} are unreadable; enter them again"
        ) from None
    register_secret(*keys.secrets())  # from now on no log line can carry them
    return keys


def save_keys(exchange_id: str, keys: ApiKeys, *, sandbox: bool = False) -> None:
    """Store `keys` for the venue; refuses (ValueError naming them) when a field the venue
    needs is empty, and changes nothing then."""
    account = account_name(exchange_id, sandbox)
    missing = missing_fields(exchange_id, keys)
    if not keys.api_key and not keys.extra:
        missing = missing or ["API key"]
    if not keys.secret and "API secret" not in missing and any(
            n == "secret" for n, _ in required_fields(exchange_id)):
        missing.append("API secret")
    if missing:
        raise ValueError(f"{exchange_id} needs {', '.join(missing)} (for {describe(exchange_id, sandbox)})")
    value = json.dumps({"api_key": keys.api_key, "secret": keys.secret, "password": keys.password,
                        "uid": keys.uid, "extra": dict(keys.extra)})
    try:
        keyring.set_password(SERVICE, account, value)
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
    """`moniqo-desktop keys set|delete|show EXCHANGE [--sandbox]`.

    Asks for exactly the fields the venue needs, without echo, so keys never land in shell
    history; always says which key set (live or sandbox) it is working on.
    """
    import argparse
    import getpass

    parser = argparse.ArgumentParser(prog="moniqo-desktop keys",
                                     description="Manage exchange API keys in the OS keyring.")
    parser.add_argument("action", choices=["set", "delete", "show"])
    parser.add_argument("exchange", help="ccxt exchange id, e.g. binance")
    parser.add_argument("--sandbox", action="store_true", help="the testnet keys")
    args = parser.parse_args(argv)
    try:
        which = describe(args.exchange, args.sandbox)
        if args.action == "set":
            print(f"Editing {which}.")
            values = {name: getpass.getpass(f"{label}: ").strip()
                      for name, label in required_fields(args.exchange)}
            save_keys(args.exchange, ApiKeys.from_fields(values), sandbox=args.sandbox)
            print(f"Saved {which} in the OS keyring.")
        elif args.action == "delete":
            gone = delete_keys(args.exchange, sandbox=args.sandbox)
            print(f"Deleted {which}." if gone else f"No {which} were stored.")
        else:
            keys = load_keys(args.exchange, sandbox=args.sandbox)
            print(f"{which}: {keys!r}" if keys else f"No {which} stored.")
    except (KeyStoreError, ValueError) as exc:
        print(f"error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

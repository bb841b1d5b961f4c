"""The server database's URL, with its password, in the OS keyring — never in the settings file.

`moniqo-desktop keys set-database NAME` asks for the URL without echo (so the password never
lands in shell history or `ps`) and stores it as the keyring entry ``database:NAME`` of the app's
service; `serve --database NAME` and `--connect NAME` read it back. Whatever the source, the
password is registered with the log filter (redaction), and messages name the database by its
URL with the password hidden.
"""

from __future__ import annotations

import argparse
import getpass

import keyring
from keyring.errors import KeyringError, PasswordDeleteError
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from ..exchanges.keys import SERVICE, KeyStoreError
from ..redaction import register_secret
from ..startup_checks import UserError

ENTRY = "database:{name}"


def _checked(url_text: str) -> str:
    """A SQLAlchemy URL of a server database (its password registered as a secret)."""
    try:
        url = make_url(url_text.strip())
    except ArgumentError:
        raise UserError("not a database URL (expected e.g. "
                        "postgresql+psycopg://moniqo:PASSWORD@db.example:5432/moniqo)") from None
    if url.get_backend_name() != "postgresql":
        raise UserError(f"serve needs a PostgreSQL database, not {url.get_backend_name()!r}")
    if url.drivername == "postgresql":  # SQLAlchemy would pick psycopg2; we ship psycopg 3
        url = url.set(drivername="postgresql+psycopg")
    if url.password:
        register_secret(str(url.password))
    return url.render_as_string(hide_password=False)


def hidden(url_text: str) -> str:
    """The URL as messages show it: the password replaced by ***."""
    return make_url(url_text).render_as_string(hide_password=True)


def save_url(name: str, url_text: str) -> None:
    url_text = _checked(url_text)
    try:
        keyring.set_password(SERVICE, ENTRY.format(name=name), url_text)
    except KeyringError as exc:
        raise KeyStoreError(f"cannot store the database URL in the OS keyring: {exc}") from exc


def load_url(name: str) -> str | None:
    try:
        value = keyring.get_password(SERVICE, ENTRY.format(name=name))
    except KeyringError as exc:
        raise KeyStoreError(f"cannot read the OS keyring: {exc}") from exc
    return None if value is None else _checked(value)


def delete_url(name: str) -> bool:
    try:
        keyring.delete_password(SERVICE, ENTRY.format(name=name))
    except PasswordDeleteError:
        return False
    except KeyringError as exc:
        raise KeyStoreError(f"cannot change the OS keyring: {exc}") from exc
    return True


def resolve_url(database: str | None, account: str) -> str:
    """`--database` as given: a URL, or the name of a stored one; none → the one stored under
    the account's name. Raises UserError saying how to store one."""
    if database and "://" in database:
        return _checked(database)
    name = database or account
    try:
        url = load_url(name)
    except KeyStoreError as exc:
        # without a keyring no name can be looked up: the likelier mistake (a URL mistyped)
        # is said first, then why a stored name is no way out here
        raise UserError(f"{name!r} is not a database URL (postgresql+psycopg://user@host/db), "
                        f"and a stored name needs the OS keyring: {exc}") from None
    if url is None:
        raise UserError(f"no database URL stored as {name!r}; store it with: moniqo-desktop keys "
                        f"set-database {name}   (or pass --database postgresql+psycopg://...)")
    return url


def main(argv: list[str]) -> int:
    """`moniqo-desktop keys set-database|show-database|delete-database NAME`."""
    parser = argparse.ArgumentParser(prog="moniqo-desktop keys",
                                     description="Keep a server database's URL in the OS keyring.")
    parser.add_argument("action", choices=["set-database", "show-database", "delete-database"])
    parser.add_argument("name", help="a name for it, e.g. the account it serves ('default')")
    args = parser.parse_args(argv)
    try:
        if args.action == "set-database":
            url = getpass.getpass("database URL (postgresql+psycopg://user:password@host:port/db): ")
            save_url(args.name, url)
            print(f"Saved {hidden(url)} as {args.name!r} in the OS keyring.")
        elif args.action == "delete-database":
            gone = delete_url(args.name)
            print(f"Deleted {args.name!r}." if gone else f"No database URL stored as {args.name!r}.")
        else:
            stored = load_url(args.name)
            print(f"{args.name}: {hidden(stored)}" if stored
                  else f"No database URL stored as {args.name!r}.")
    except (KeyStoreError, UserError) as exc:
        print(f"error: {exc}")
        return 1
    return 0

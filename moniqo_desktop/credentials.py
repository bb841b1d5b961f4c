"""API keys and venue facts as the window may see them (the UI never imports `exchanges/`).

Which credential fields a venue needs, which key set (live or sandbox) is being edited, what is
stored, and saving: all in plain Python, no Qt. Every call that touches the OS keyring may block
(a locked wallet, a D-Bus round trip), so the settings dialog runs them on a worker thread.
Secrets never leave this module in text: a status line names the key set, never a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .exchanges.keys import (
    ApiKeys,
    KeyStoreError,
    describe,
    load_keys,
    required_fields,
    save_keys,
)

__all__ = [
    "ApiKeys",
    "KeyStatus",
    "KeyStoreError",
    "describe",
    "fields_for",
    "key_status",
    "load_keys",
    "save_keys",
    "save_fields",
    "venue_note",
]


@dataclass(frozen=True)
class KeyStatus:
    """What the dialog shows about one key set."""

    which: str  # "binance:sandbox (sandbox keys)"
    stored: bool
    text: str


def fields_for(exchange_id: str) -> list[tuple[str, str]]:
    """(ccxt name, label) of every credential the venue needs: OKX/KuCoin/Bitget add a passphrase."""
    return required_fields(exchange_id)


def venue_note(exchange_id: str) -> str:
    """One line on how the venue's stops behave (native, or watched by the app)."""
    from .exchanges.venues import PROFILES

    profile = PROFILES.get(exchange_id)
    if profile is None:
        return (f"{exchange_id} is not one of the eight verified venues: it is checked against "
                "what Moniqo needs when it connects")
    return f"{profile.name}: " + ("stops rest on the venue" if profile.native_stops
                                  else "stops are watched by Moniqo while it runs")


def key_status(exchange_id: str, sandbox: bool) -> KeyStatus:
    """Read the keyring (blocking) and say what is stored, naming the key set."""
    which = describe(exchange_id, sandbox)
    try:
        stored = load_keys(exchange_id, sandbox=sandbox)
    except (KeyStoreError, ValueError) as exc:
        return KeyStatus(which, False, str(exc))
    if stored:
        return KeyStatus(which, True,
                         f"Editing {which}: stored in the system keyring ({stored!r}); "
                         "leave the fields empty to keep them.")
    return KeyStatus(which, False,
                     f"Editing {which}: none stored yet. Use keys with trading rights but no "
                     "withdrawal.")


def save_fields(exchange_id: str, sandbox: bool, values: Mapping[str, str]) -> bool:
    """Store the typed fields (blocking). All empty keeps what is stored (returns False);
    a partial set raises ValueError naming the missing fields and stores nothing."""
    clean = {k: (v or "").strip() for k, v in values.items()}
    if not any(clean.values()):
        return False
    save_keys(exchange_id, ApiKeys.from_fields(clean), sandbox=sandbox)
    return True

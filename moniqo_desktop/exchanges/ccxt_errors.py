"""Translate ccxt's exception tree into our small error family.

The engine decides "retry later or give up" from our class alone, so the order of checks
matters: ccxt nests OrderNotFound under InvalidOrder and RateLimitExceeded under DDoSProtection
under NetworkError, and the most specific meaning must win. The exchange's own words are kept in
the message (the trader sees them), with anything secret scrubbed out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import ccxt.async_support as ccxt

from . import errors as ours

_SIGNATURE = re.compile(r"(signature|sign|apiKey|api_key|secret|passphrase)=([^&\s\"']+)", re.I)


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Remove API keys, secrets and request signatures from `text`."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _SIGNATURE.sub(lambda m: f"{m.group(1)}=***", text)


def _is_filter_failure(message: str) -> bool:
    lowered = message.lower()
    return "filter" in lowered or "lot_size" in lowered or "notional" in lowered


def classify(exc: BaseException) -> type[ours.ExchangeError]:
    """Which of our errors a ccxt exception means."""
    if isinstance(exc, ccxt.OrderNotFound):
        return ours.OrderNotFound
    if isinstance(exc, ccxt.InsufficientFunds):
        return ours.InsufficientFunds
    if isinstance(exc, ccxt.InvalidOrder):
        return ours.InvalidOrder
    if isinstance(exc, ccxt.AuthenticationError):  # includes PermissionDenied, AccountSuspended
        return ours.AuthenticationFailed
    # 429 and 418 arrive as RateLimitExceeded or (Binance) DDoSProtection: both say "back off".
    # RateLimited is an ExchangeUnavailable, so callers that only retry on that still do.
    if isinstance(exc, (ccxt.RateLimitExceeded, ccxt.DDoSProtection)):
        return ours.RateLimited
    if isinstance(exc, ccxt.NetworkError):  # RequestTimeout, ExchangeNotAvailable, OnMaintenance
        return ours.ExchangeUnavailable
    if isinstance(exc, ccxt.OperationFailed):  # ccxt's "temporary, try again" (server busy)
        return ours.ExchangeUnavailable
    if isinstance(exc, ccxt.BadRequest) and _is_filter_failure(str(exc)):
        return ours.InvalidOrder
    return ours.ExchangeError


def map_error(exc: BaseException, secrets: Iterable[str | None] = ()) -> ours.ExchangeError:
    """Our error for a ccxt exception, carrying its text (minus secrets) and its class name."""
    message = scrub(str(exc), secrets) or type(exc).__name__
    mapped = classify(exc)(message)
    mapped.ccxt_error = type(exc).__name__  # for logs: which ccxt class this came from
    return mapped


def is_ccxt_error(exc: BaseException) -> bool:
    return isinstance(exc, ccxt.BaseError)

"""Secrets never reach a log: a filter every handler runs, over messages, arguments and tracebacks.

Error messages from our own code are already careful, but a ccxt exception carries the request it
failed on — a signed URL (``...?AccessKeyId=<key>&...&Signature=<sig>``), headers with the API key
— and ``log.exception`` prints it as the chained cause of our error. So the filter works on the
*formatted* record: it renders the message with its arguments and the whole exception chain
(every ``__cause__`` and ``__context__``), removes secrets from that text, and hands the handler
the cleaned text instead of the objects. It removes:

- every value registered with `register_secret` (the keys the app loaded from the keyring), in
  full and wherever it appears;
- the values of parameters and headers whose names say they are credentials or signatures
  (``apiKey=``, ``AccessKeyId=``, ``secret``, ``passphrase``, ``password``, ``signature``,
  ``sign``, ``token``, ``X-MBX-APIKEY``, ``OK-ACCESS-KEY`` ...), in query strings, JSON, dict
  reprs and header lists;
- the whole query string of a URL that carries a signature (a signed request);
- long hex or base64-like runs (HMAC signatures, raw keys) that no name announced.

`install()` puts the filter on every handler of the root logger (and on any added later through
`add_handler`), and keeps ccxt's own loggers at WARNING so request dumps are never logged.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from collections.abc import Iterable

MASK = "***"

_CREDENTIAL_NAME = (
    r"[\w.-]*(?:api[-_]?key|apikey|access[-_]?key(?:[-_]?id)?|secret|passphrase|password|passwd"
    r"|signature|sign|token|auth(?:orization)?|credential)[\w.-]*"
)
# name=value in query strings and form bodies (the value runs to &, whitespace or a quote)
_PARAM = re.compile(rf"(?i)(\b{_CREDENTIAL_NAME}=)([^&\s'\"<>]+)")
# "name": "value" / 'name': 'value' / name: value (JSON, dict reprs, header dumps)
_QUOTED = re.compile(
    rf"(?i)([\"']?{_CREDENTIAL_NAME}[\"']?\s*[:=]\s*)([\"'])(.*?)(\2)"
)
# "Name: value" header lines (no dots in the name, so "x.y.AuthenticationError: ..." is kept)
_HEADER = re.compile(
    r"(?im)^(\s*(?:[\w-]*(?:api[-_]?key|apikey|access[-_]?key|secret|passphrase|password"
    r"|signature|sign|token)[\w-]*|authorization)\s*:\s*)(\S.*)$")
# a URL whose query carries a signature: drop the whole query (timestamps, nonces and all)
_SIGNED_URL = re.compile(r"(?i)(https?://[^\s?'\"<>]+)\?([^\s'\"<>]*sign[^\s'\"<>]*)")
# bare runs long enough to be a key or a signature (our own ids are 32 hex digits and stay):
# hex >= 48 (an HMAC-SHA256 is 64), other key-like runs of letters and digits >= 40
_LONG_HEX = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{48,}(?![0-9A-Za-z])")
_LONG_TOKEN = re.compile(r"(?<![0-9A-Za-z+/=_-])[A-Za-z0-9+/_-]{40,}={0,2}(?![0-9A-Za-z+/=_-])")

CCXT_LOGGERS = ("ccxt", "ccxt.base.exchange", "ccxt.async_support.base.exchange")

_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(*values: str | None) -> None:
    """Remember values (keys, secrets, passphrases) to cut from every later log record.
    Very short values are ignored: masking every "a" would garble the log and protect nothing."""
    with _lock:
        _secrets.update(v for v in values if v and len(v) >= 6)


def forget_secrets() -> None:
    with _lock:
        _secrets.clear()


def redact(text: str) -> str:
    """`text` with every secret this module knows how to recognise replaced by ``***``."""
    if not text:
        return text
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _SIGNED_URL.sub(lambda m: f"{m.group(1)}?<signed query redacted>", text)
    text = _QUOTED.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}{m.group(4)}", text)
    text = _PARAM.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _HEADER.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _LONG_HEX.sub(MASK, text)
    text = _LONG_TOKEN.sub(lambda m: MASK if _looks_random(m.group(0)) else m.group(0), text)
    return text


def _looks_random(token: str) -> bool:
    """A key or a signature mixes digits and letters, or changes between upper case, lower
    case and digits at most of its characters (base64 about two in three, hex about one in
    two); a run of words changes a few times in its length. An absolute path
    (``/home/alice2024/Trading-2025/...``) is judged by its parts: a data dir's path is what a
    log is read for. It is cut when a long part looks random or most of its parts are noise
    (a base64 run can hold slashes: about 1 in 500 starts with one and has three)."""
    if token.startswith("/") and token.count("/") >= 3:
        parts = [part for part in token.split("/") if len(part) >= 6]
        noisy = [part for part in parts if _kind_changes(part) * 3 >= len(part)]
        return any(len(part) >= 32 and _random_run(part) for part in parts) \
            or len(noisy) * 2 > len(parts)
    return _random_run(token)


def _random_run(run: str) -> bool:
    digits = sum(c.isdigit() for c in run)
    if digits >= 3 and len(run) - digits >= 3:
        return True
    return _kind_changes(run) * 4 >= len(run)


def _kind_changes(run: str) -> int:
    """How often a run switches between digit, lower case and upper case (separators skipped)."""
    kinds = [0 if c.isdigit() else 1 if c.islower() else 2 for c in run if c.isalnum()]
    return sum(a != b for a, b in zip(kinds, kinds[1:]))


class RedactingFilter(logging.Filter):
    """Replaces a record's message, arguments and traceback by their redacted rendering."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_moniqo_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken %-format: keep what can be shown, still redacted
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = redact(text.rstrip("\n"))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record._moniqo_redacted = True
        return True


_FILTER = RedactingFilter()


def add_handler(handler: logging.Handler, logger: logging.Logger | None = None) -> None:
    """Attach `handler` (to the root logger by default) with the redacting filter on it."""
    protect([handler])
    (logger or logging.getLogger()).addHandler(handler)


def protect(handlers: Iterable[logging.Handler]) -> None:
    for handler in handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(_FILTER)


def install() -> None:
    """Filter every handler the root logger has now; keep ccxt's loggers at WARNING."""
    protect(logging.getLogger().handlers)
    for name in CCXT_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)

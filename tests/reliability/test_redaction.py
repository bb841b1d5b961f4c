"""API keys, secrets, passphrases and signatures never reach the log, chained exceptions included.

Reproduces the issue's leak: our error is scrubbed, but `log.exception` prints the chained ccxt
exception under it, whose message carries the signed request (``AccessKeyId=<key>`` and the
``Signature``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import ccxt
import pytest

from moniqo_desktop import redaction
from moniqo_desktop.app import setup_logging
from moniqo_desktop.exchanges.errors import AuthenticationFailed

KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
PASSPHRASE = "correct-horse-battery"
SIGNATURE = "3c4f8a0b2e7d91f6a5c3b8e0d4f2a1c7b9e6d3f0a8c5b2e9d7f4a1c6b3e0d8f5"
SIGNED_URL = (f"https://api.huobi.pro/v1/account/accounts?AccessKeyId={KEY}"
              "&SignatureMethod=HmacSHA256&SignatureVersion=2&Timestamp=2026-11-30T10%3A00%3A00"
              f"&Signature={SIGNATURE}")


@pytest.fixture
def log_file(tmp_path: Path):
    path = tmp_path / "app.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    redaction.add_handler(handler)
    logging.getLogger("moniqo_desktop").setLevel(logging.INFO)
    yield path
    logging.getLogger("moniqo_desktop").setLevel(logging.NOTSET)
    logging.getLogger().removeHandler(handler)
    handler.close()
    redaction.forget_secrets()


def _auth_failure() -> AuthenticationFailed:
    """Our error raised from the ccxt one, as the venue adapter raises it."""
    try:
        try:
            raise ccxt.AuthenticationError(
                f'htx GET {SIGNED_URL} 200 {{"status":"error","err-code":"api-signature-not-valid",'
                f'"err-msg":"Signature not valid: Incorrect Access key [Access key错误]"}}')
        except ccxt.AuthenticationError as exc:
            raise AuthenticationFailed("htx refused the API key (check key and secret)") from exc
    except AuthenticationFailed as err:
        return err


def test_a_chained_ccxt_exception_logged_by_exception_loses_key_and_signature(log_file):
    err = _auth_failure()
    raw = "".join(__import__("traceback").format_exception(err))
    assert KEY in raw and SIGNATURE in raw  # what an unfiltered handler would write
    log = logging.getLogger("moniqo_desktop.engine.test")
    try:
        raise err
    except AuthenticationFailed:
        log.exception("order sync failed")
    text = log_file.read_text(encoding="utf-8")
    assert "order sync failed" in text and "refused the API key" in text
    assert "ccxt.base.errors.AuthenticationError" in text  # the cause is still shown ...
    assert KEY not in text and SIGNATURE not in text       # ... without its secrets
    assert "AccessKeyId=***" in text or "<signed query redacted>" in text


def test_message_arguments_headers_and_registered_secrets_are_cut(log_file):
    redaction.register_secret(KEY, SECRET, PASSPHRASE)
    log = logging.getLogger("moniqo_desktop.test")
    log.warning("request headers %s", {"X-MBX-APIKEY": KEY, "Content-Type": "application/json"})
    log.warning("body %r", f"timestamp=1&signature={SIGNATURE}&recvWindow=5000")
    log.warning("okx login %s", {"apiKey": "k-not-registered-123456", "passphrase": PASSPHRASE})
    log.error("the secret was %s and the passphrase %s", SECRET, PASSPHRASE)
    log.info("plain order %s filled 0.5 BTC/USDT at 50000", "9f1c2e4d5a6b7c8d9e0f1a2b3c4d5e6f")
    text = log_file.read_text(encoding="utf-8")
    for secret in (KEY, SECRET, PASSPHRASE, SIGNATURE, "k-not-registered-123456"):
        assert secret not in text
    assert "9f1c2e4d5a6b7c8d9e0f1a2b3c4d5e6f" in text  # our own ids stay readable
    assert "BTC/USDT at 50000" in text


def test_app_logging_filters_every_handler_and_quietens_ccxt(tmp_path):
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        setup_logging(tmp_path, console=True)
        added = [h for h in root.handlers if h not in before]
        assert len(added) == 2
        assert all(any(isinstance(f, redaction.RedactingFilter) for f in h.filters)
                   for h in added)
        assert logging.getLogger("ccxt").getEffectiveLevel() == logging.WARNING
        logging.getLogger("ccxt.base.exchange").info("GET %s", SIGNED_URL)  # below WARNING
        logging.getLogger("moniqo_desktop").warning("failed: %s", SIGNED_URL)
        for h in added:
            h.flush()
        text = (tmp_path / "logs" / "moniqo.log").read_text(encoding="utf-8")
        assert KEY not in text and SIGNATURE not in text and "failed: https://api.huobi.pro" in text
    finally:
        for h in [h for h in root.handlers if h not in before]:
            root.removeHandler(h)
            h.close()


def test_paths_stay_readable_while_unnamed_random_tokens_are_still_cut(log_file):
    """A data dir's path is what a trader (or support) reads first in a log; it used to print as
    "store opened at ***.sqlite3" once it ran to 40 characters with 3 digits. Key-like runs that
    no name announces are still cut, including base64 ones that contain '/'."""
    import base64
    import hashlib

    paths = ["/tmp/pytest-of-root/pytest-123/test_a_stored_number_no_order_or0/data",
             "/home/alice2024/Documents/Trading-2025/moniqo-data-v2/store",
             "/Users/JohnDoe2/Library/ApplicationSupport/MoniqoDesktop/backups-2026-11-30",
             "/srv/moniqo/2026/11/30/run-7/x1y2z3/data/logs/store",
             "/home/bob/moniqo/runs/2026-11-30T10-00-00Z/data"]
    tokens = [base64.b64encode(hashlib.sha256(str(i).encode()).digest()).decode()
              for i in range(300)]  # 44 characters, '+' and '/' in most of them
    tokens += [hashlib.sha1(str(i).encode()).hexdigest() for i in range(100)]  # 40 hex
    assert sum("/" in t for t in tokens) > 100
    log = logging.getLogger("moniqo_desktop.test")
    for path in paths:
        log.info("store opened at %s/moniqo.sqlite3", path)
    for token in tokens:
        log.warning("venue answered %s", token)
    text = log_file.read_text(encoding="utf-8")
    for path in paths:
        assert f"store opened at {path}/moniqo.sqlite3" in text
    leaked = [t for t in tokens if t in text or t.rstrip("=") in text]
    assert leaked == []

"""Every user mistake at start-up is one clear line on stderr, exit code 2, no traceback (the
traceback, if any, goes to the log file). Run as a user runs it: the real entry point."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from test_cli import run_app

NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def one_clear_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("mode", [("--quit-after", "1"), ("--headless", "--quit-after", "1")])
def test_data_dir_that_is_a_file(tmp_path: Path, mode):
    a_file = tmp_path / "hostname"
    a_file.write_text("box\n")
    one_clear_line(run_app("--data-dir", str(a_file), *mode), "not a directory", str(a_file))


def test_data_dir_under_a_file(tmp_path: Path):
    a_file = tmp_path / "hostname"
    a_file.write_text("box\n")
    one_clear_line(run_app("--data-dir", str(a_file / "sub"), "--headless", "--quit-after",
                           "1"), "not a directory")


def test_data_dir_that_cannot_be_created(tmp_path: Path):
    one_clear_line(run_app("--data-dir", "/proc/moniqo-test", "--headless", "--quit-after", "1"),
                   "cannot create data dir /proc/moniqo-test")


@pytest.mark.parametrize("mode", [("--quit-after", "1"), ("--headless", "--quit-after", "1")])
def test_unknown_price_feed(tmp_path: Path, mode):
    line = one_clear_line(run_app("--data-dir", str(tmp_path), "--price-feed", "foo:bar", *mode),
                          "--price-feed", "foo:bar")
    assert "Traceback" in (tmp_path / "logs" / "moniqo.log").read_text() or "error:" in line


def test_unknown_exchange_is_named_before_the_keyring(tmp_path: Path):
    for mode in (("--quit-after", "1"), ("--headless", "--quit-after", "1")):
        result = run_app("--data-dir", str(tmp_path), "--exchange", "nosuchexchange", *mode,
                         env=NO_KEYRING)
        line = one_clear_line(result, "unknown exchange 'nosuchexchange'")
        assert "keyring" not in line


@pytest.mark.parametrize("flags, words", [
    (("--exchange", "demo", "--sandbox"), ("--sandbox", "paper")),
    (("--sandbox",), ("--sandbox", "paper")),  # paper is the default venue
    (("--exchange", "binance", "--price-feed", "random"), ("--price-feed", "binance")),
])
@pytest.mark.parametrize("mode", [("--quit-after", "1"), ("--headless", "--quit-after", "1")])
def test_flags_that_mean_nothing_for_the_venue_are_refused(tmp_path: Path, flags, words, mode):
    # Paper has no testnet, and a real exchange brings its own prices: silently accepting either
    # flag leaves the trader believing in a mode the window does not run (issue #14 item 5).
    one_clear_line(run_app("--data-dir", str(tmp_path), *flags, *mode, env=NO_KEYRING), *words)
    assert not (tmp_path / "moniqo.sqlite3").exists()  # refused before anything was built


SERVER = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere"  # never reached: refused first


@pytest.mark.parametrize("flags, words", [
    (("--account", "desk"), ("--account", "--connect")),
    (("--connect", SERVER, "--exchange", "binance"), ("--exchange", "--connect", "serve")),
    (("--connect", SERVER, "--sandbox"), ("--sandbox", "--connect")),
    (("--connect", SERVER, "--price-feed", "random"), ("--price-feed", "--connect")),
])
def test_flags_that_mean_nothing_with_or_without_a_server_are_refused(tmp_path: Path, flags,
                                                                     words):
    # A window on a server runs the server's venue; --account names a server's account: each
    # was silently dropped where it means nothing.
    one_clear_line(run_app("--data-dir", str(tmp_path), *flags, "--quit-after", "1",
                           env=NO_KEYRING), *words)


def test_no_keyring_runs_on_public_data_and_says_why(tmp_path: Path):
    # No network here either: the app still starts, says keys are unavailable and why, and
    # quits cleanly.
    result = run_app("--data-dir", str(tmp_path), "--exchange", "binance", "--headless",
                     "--quit-after", "0.5", env=NO_KEYRING)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "API keys unavailable" in result.stdout and "public data only" in result.stdout
    assert "(LIVE)" in result.stdout


def test_error_dialog_closes_on_sigterm(tmp_path: Path):
    # No --quit-after: the GUI shows its error dialog and waits for the trader ...
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, "-m", "moniqo_desktop", "--data-dir",
                             str(tmp_path), "--price-feed", "foo:bar"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stderr.readline()  # printed just before the dialog opens
        assert first.startswith("error: --price-feed")
        proc.send_signal(signal.SIGTERM)  # ... or for the session to end
        assert proc.wait(timeout=30) == 2
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in proc.stderr.read()


@pytest.fixture
def short_tmp():
    """A data dir with a short path: the log's redaction filter masks any run of 40+ path-like
    characters as a possible secret, and pytest's tmp_path is that long."""
    with tempfile.TemporaryDirectory(prefix="mq") as name:
        yield Path(name)


@pytest.mark.parametrize("mode", [("--quit-after", "2"), ("--headless", "--quit-after", "1")])
def test_a_setting_that_means_nothing_on_paper_is_said_not_dropped(short_tmp: Path, mode):
    tmp_path = short_tmp
    # `"sandbox": true` left in the settings file ran PAPER without a word (only the flag was
    # refused). The settings file does not stop the app (its own Settings dialog fixes it): the
    # start goes on, on PAPER, and says in one line which setting of which file is ignored.
    settings = tmp_path / "settings.json"
    settings.write_text('{"sandbox": true}\n', encoding="utf-8")
    result = run_app("--data-dir", str(tmp_path), *mode, env=NO_KEYRING)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    said = [line for line in result.stderr.splitlines() if "sandbox" in line]
    assert len(said) == 1, result.stderr
    assert str(settings) in said[0] and "paper" in said[0].lower() and "ignored" in said[0]
    if "--headless" in mode:
        assert "(PAPER)" in result.stdout
    else:  # the window's log panel said it (kept for the next start in the layout file)
        assert "ignored" in (tmp_path / "ui.ini").read_text(encoding="utf-8")


def test_paper_only_settings_on_a_real_exchange_are_said_not_dropped(short_tmp: Path):
    tmp_path = short_tmp
    settings = tmp_path / "settings.json"
    settings.write_text('{"demo_price_feed": "live:binance", "demo_allow_short": true}\n',
                        encoding="utf-8")
    result = run_app("--data-dir", str(tmp_path), "--exchange", "binance", "--headless",
                     "--quit-after", "0.5", env=NO_KEYRING)
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if "demo_" in line]
    assert len(said) == 1, result.stderr
    assert "demo_price_feed" in said[0] and "demo_allow_short" in said[0]
    assert str(settings) in said[0] and "binance" in said[0]


def test_a_setting_asking_a_testnet_a_venue_lacks_is_one_line_without_a_keyring(tmp_path: Path):
    # Without a keyring the venue was built a second time (public data only) outside the
    # error handling: "kraken has no sandbox/testnet" came out as an unexpected error, exit 1.
    (tmp_path / "settings.json").write_text('{"exchange": "kraken", "sandbox": true}\n',
                                            encoding="utf-8")
    one_clear_line(run_app("--data-dir", str(tmp_path), "--headless", "--quit-after", "0.5",
                           env=NO_KEYRING), "kraken", "testnet")


@pytest.mark.parametrize("content, words", [
    ('{"exchange": "nosuchexchange"}', ('"exchange"', "nosuchexchange", "unknown exchange")),
    ('{"demo_price_feed": "foo:bar"}', ('"demo_price_feed"', "foo:bar")),
    # only the kind was checked: a poll every -1 s or a negative fee rate got through
    ('{"order_poll_seconds": -1}', ('"order_poll_seconds"', "-1", "more than 0", "out of range")),
    ('{"position_poll_seconds": 0}', ('"position_poll_seconds"', "more than 0", "out of range")),
    ('{"demo_fee_rate": "-0.001"}', ('"demo_fee_rate"', "-0.001", "out of range")),
])
def test_a_bad_venue_or_range_in_the_settings_file_is_named_with_its_file(short_tmp: Path,
                                                                        content, words):
    # The same words as for the flag, but the trader typed no such flag: the line says which
    # setting of which file holds it.
    settings = short_tmp / "settings.json"
    settings.write_text(content, encoding="utf-8")
    for mode in (("--quit-after", "1"), ("--headless", "--quit-after", "1")):
        one_clear_line(run_app("--data-dir", str(short_tmp), *mode, env=NO_KEYRING), *words,
                       str(settings))


def test_a_setting_of_the_wrong_kind_is_said_and_its_default_used(short_tmp: Path):
    # "order_poll_seconds": "abc" was an unexpected error deep in the engine (exit 1).
    settings = short_tmp / "settings.json"
    settings.write_text('{"order_poll_seconds": "abc", "confirm_orders": "yes"}',
                        encoding="utf-8")
    for mode in (("--quit-after", "2"), ("--headless", "--quit-after", "1")):
        result = run_app("--data-dir", str(short_tmp), *mode, env=NO_KEYRING)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        said = [line for line in result.stderr.splitlines() if str(settings) in line]
        assert len(said) == 2, result.stderr
        assert '"order_poll_seconds"' in said[0] and "'abc'" in said[0] and "2.0" in said[0]
        assert '"confirm_orders"' in said[1] and "false" in said[1].lower()


@pytest.mark.parametrize("text, kept, said", [
    ('{"order_poll_seconds": 3}', {"order_poll_seconds": 3}, []),  # JSON's 3 for 3.0
    ('{"order_poll_seconds": true}', {}, ['"order_poll_seconds": True', "a number"]),
    ('{"not_found_answers": 2.5}', {}, ['"not_found_answers": 2.5', "a whole number"]),
    ('{"risk_loss_percent": [2, 5, 10]}', {}, ['"risk_loss_percent"', "a list of texts"]),
    ('{"theme": null, "sandbox": 1}', {}, ['"theme": None', "text", '"sandbox": 1',
                                          "true or false"]),
    ('["a list"]', {}, ["unreadable", "not a JSON object", "using defaults"]),
    ('{"unknown_key": 1, "confirm_orders": true}', {"confirm_orders": True}, []),
])
def test_settings_values_of_the_wrong_kind_are_named_and_skipped(tmp_path: Path, text, kept,
                                                                   said):
    from moniqo_desktop.config import Settings

    path = tmp_path / "settings.json"
    path.write_text(text, encoding="utf-8")
    settings, notes = Settings.load_with_notes(path)
    for name, value in kept.items():
        assert getattr(settings, name) == value
    assert all(str(path) in note for note in notes)
    for words in said:
        assert any(words in note for note in notes), (words, notes)
    assert bool(notes) == bool(said)
    defaults = Settings()
    for name in ("order_poll_seconds", "not_found_answers", "risk_loss_percent", "theme",
                 "sandbox"):
        if name not in kept:
            assert getattr(settings, name) == getattr(defaults, name)


@pytest.mark.parametrize("values, bad", [
    ({}, []),
    ({"order_poll_seconds": -1.0, "not_found_answers": 0}, ["order_poll_seconds",
                                                            "not_found_answers"]),
    ({"demo_fee_rate": "1"}, ["demo_fee_rate"]),
    ({"demo_fee_rate": "NaN"}, ["demo_fee_rate"]),
    ({"update_log_min_move_percent": "abc"}, ["update_log_min_move_percent"]),
    ({"risk_loss_percent": ["5", "2", "10"]}, ["risk_loss_percent"]),
    ({"risk_stop_share": ["0", "0.5", "0.75"]}, ["risk_stop_share"]),
    ({"late_fill_max_gap_seconds": 0.0, "update_log_min_seconds": 0.0},
     ["late_fill_max_gap_seconds"]),
])
def test_settings_ranges(values, bad):
    from moniqo_desktop.config import Settings

    assert [name for name, _ in Settings(**values).out_of_range()] == bad

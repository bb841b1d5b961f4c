"""The real entry point, as a user starts it: version, a windowed smoke run, a bad database."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from moniqo_desktop import __version__


def run_app(*args: str, timeout: float = 60,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    return subprocess.run([sys.executable, "-m", "moniqo_desktop", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_version():
    result = run_app("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"moniqo-desktop {__version__}"


def test_window_starts_and_quits_cleanly_with_its_store(tmp_path: Path):
    result = run_app("--data-dir", str(tmp_path), "--quit-after", "2")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "moniqo.sqlite3").stat().st_size > 0
    assert (tmp_path / "logs" / "moniqo.log").exists()
    assert "Traceback" not in result.stderr


def test_headless_demo_trades_on_paper(tmp_path: Path):
    result = run_app("--headless", "--data-dir", str(tmp_path), "--quit-after", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(" OPEN ") == 3


def test_corrupt_database_is_reported_and_left_untouched(tmp_path: Path):
    db = tmp_path / "moniqo.sqlite3"
    db.write_bytes(b"not a database at all\n" * 300)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    for mode in (("--quit-after", "2"), ("--headless", "--quit-after", "1")):
        result = run_app("--data-dir", str(tmp_path), *mode)
        assert result.returncode == 2
        assert "not a SQLite database" in result.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_a_locked_database_is_reported_alike_by_the_window_and_headless(tmp_path: Path):
    """Both starts check the store file early, on a thread (`store.sqlite_file.FileCheck`):
    a file another program holds locked is the same one line from each, left untouched."""
    import sqlite3

    db = tmp_path / "moniqo.sqlite3"
    other = sqlite3.connect(db, isolation_level=None)  # another program, writing
    try:
        other.execute("PRAGMA locking_mode = EXCLUSIVE")
        other.execute("BEGIN EXCLUSIVE")
        other.execute("CREATE TABLE other_writer (x)")
        said = []
        for mode in (("--quit-after", "2"), ("--headless", "--quit-after", "1")):
            result = run_app("--data-dir", str(tmp_path), *mode)
            assert result.returncode == 2, result.stderr
            assert "Traceback" not in result.stderr
            said.append([line for line in result.stderr.splitlines() if line.strip()])
        assert said[0] == said[1] and len(said[0]) == 1
        assert "locked by another program" in said[0][0] and str(db) in said[0][0]
    finally:
        other.rollback()
        other.close()


@pytest.mark.parametrize("text", ["1e3", "nan", "-1", "2_0"])
def test_quit_after_uses_the_strict_number_parser(text: str, capsys):
    """Issue #10: numbers people type, the CLI included, go through the one strict parser."""
    from moniqo_desktop.__main__ import build_parser

    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["--quit-after", text])
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("moniqo-desktop: error: argument --quit-after: seconds")
    assert build_parser().parse_args(["--quit-after", "2.5"]).quit_after == 2.5

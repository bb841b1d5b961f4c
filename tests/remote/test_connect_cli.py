"""`moniqo-desktop --connect URL [--account NAME]` as a user starts it (a real subprocess)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from server_harness import ServerHarness


SUPPORT = Path(__file__).resolve().parents[1] / "support"


def keyring_env(tmp_path: Path, **entries: str) -> dict[str, str]:
    """A test keyring (tests/support/file_keyring.py) holding `entries` (name -> value)."""
    path = tmp_path / "keyring.json"
    path.write_text(json.dumps({f"moniqo-desktop\n{k}": v for k, v in entries.items()}))
    return {"PYTHON_KEYRING_BACKEND": "file_keyring.FileKeyring",
            "MONIQO_TEST_KEYRING_FILE": str(path),
            "PYTHONPATH": os.pathsep.join([os.environ.get("PYTHONPATH", ""), str(SUPPORT)])}


async def run_app(*args: str, server: ServerHarness | None = None,
                  env: dict[str, str] | None = None) -> tuple[int, str]:
    """Start the app; while it runs, the in-process server keeps polling (if given)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "moniqo_desktop", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    finished = asyncio.ensure_future(proc.communicate())
    while not finished.done():
        if server is not None:
            await server.step()
        await asyncio.wait({finished}, timeout=0.2)
    _out, err = finished.result()
    return proc.returncode or 0, err.decode()


async def test_the_window_connects_to_a_running_server(pg_url, account, tmp_path: Path):
    server = await ServerHarness(pg_url, account).start()
    try:
        code, err = await run_app("--connect", pg_url, "--account", account, "--data-dir",
                                  str(tmp_path), "--quit-after", "3", server=server)
    finally:
        await server.stop()
    assert code == 0, err
    assert "Traceback" not in err
    log = (tmp_path / "logs" / "moniqo.log").read_text()
    assert f"connected to the server engine of account '{account}'" in log
    assert f"pid {os.getpid()}" in log  # the server's process, from its heartbeat
    assert not (tmp_path / "moniqo.sqlite3").exists()  # no local store in a window on a server


async def test_no_server_for_the_account_is_one_line_and_exit_2(pg_url, tmp_path: Path):
    server = await ServerHarness(pg_url, "someone").start()  # the schema exists, the account not
    try:
        code, err = await run_app("--connect", pg_url, "--account", "nobody", "--data-dir",
                                  str(tmp_path), "--quit-after", "3")
    finally:
        await server.stop()
    assert code == 2
    assert "no Moniqo server has run for the account 'nobody'" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


async def test_the_url_can_come_from_the_keyring_by_name(pg_url, account, tmp_path: Path):
    server = await ServerHarness(pg_url, account).start()
    try:
        code, err = await run_app("--connect", "office", "--account", account, "--data-dir",
                                  str(tmp_path), "--quit-after", "3", server=server,
                                  env=keyring_env(tmp_path, **{"database:office": pg_url}))
    finally:
        await server.stop()
    assert code == 0, err
    log = (tmp_path / "logs" / "moniqo.log").read_text()
    assert f"connected to the server engine of account '{account}'" in log


async def test_connect_wants_a_url_or_a_stored_name_and_a_window(tmp_path: Path):
    code, err = await run_app("--connect", "myserver", "--data-dir", str(tmp_path),
                              "--quit-after", "1", env=keyring_env(tmp_path))
    assert code == 2 and "no database URL stored as 'myserver'" in err
    assert "keys set-database myserver" in err
    # no keyring at all: a typo in the URL is said first, then why a name cannot be looked up
    code, err = await run_app("--connect", "myserver", "--data-dir", str(tmp_path),
                              "--quit-after", "1",
                              env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("error: 'myserver' is not a database URL "
                               "(postgresql+psycopg://user@host/db)"), lines[0]
    assert "OS keyring" in lines[0]
    code, err = await run_app("--connect", "sqlite:////tmp/x.sqlite3", "--data-dir",
                              str(tmp_path), "--quit-after", "1")
    assert code == 2 and "PostgreSQL" in err
    code, err = await run_app("--connect", "postgresql://x@127.0.0.1:1/x", "--headless",
                              "--data-dir", str(tmp_path), "--quit-after", "1")
    assert code == 2 and "--headless has none" in err

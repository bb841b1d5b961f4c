"""Start-up does only what this start needs (#14, start-up time).

`python -X importtime` lists every module a run imported, so these check what a paper start on
an up-to-date store pulls in, without timing anything: no Alembic (the store is at head: one
version read decides that), no keyring (paper trading has no keys), no ccxt (no real venue),
no psycopg or remote engine (no server), no dialog, history view or CSV export (each loads when
first opened), no SQLAlchemy ORM (the store's tables are Core `Table`s
and it reads them with Core statements: the ORM's import alone was about 0.3 s); and the store
file's check is under way before SQLAlchemy and Qt are imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def imported_by_a_start(data_dir: Path) -> list[str]:
    """Every module a start imported, in the order their imports finished."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "moniqo_desktop", "--data-dir",
         str(data_dir), "--quit-after", "0.1"],
        env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()
            if line.startswith("import time:")]


def test_a_paper_start_on_an_up_to_date_store_imports_only_what_it_uses(tmp_path):
    first = imported_by_a_start(tmp_path)  # creates the store: the migrations need Alembic
    assert "alembic" in first
    again = imported_by_a_start(tmp_path)
    for package in ("alembic", "keyring", "ccxt", "psycopg", "moniqo_desktop.remote",
                    "sqlalchemy.orm", "moniqo_desktop.server", "moniqo_desktop.headless",
                    # dialogs, the history view and its CSV export: loaded when first opened
                    "moniqo_desktop.ui.dialogs.protection_dialog",
                    "moniqo_desktop.ui.dialogs.settings_dialog",
                    "moniqo_desktop.ui.dialogs.history_dialog", "moniqo_desktop.history_export",
                    "moniqo_desktop.ui.fatal_dialog", "moniqo_desktop.exchanges.keys",
                    "moniqo_desktop.exchanges.ccxt_exchange",
                    # the data dir's lock is one flock() on POSIX: filelock's 21 modules
                    # (soft, read-write and async locks) cost ~10 ms of every start
                    *(("filelock",) if os.name == "posix" else ())):
        assert not {m for m in again if m == package or m.startswith(package + ".")}, package


def test_the_store_check_starts_first_and_the_non_qt_layers_load_before_qt(tmp_path):
    """`quick_check` runs on its own thread while the heavy imports run (`store.sqlite_file`),
    so its module comes before SQLAlchemy and Qt and brings neither. And every module imported
    after PySide6 is read back from its source by PySide6's feature check (inspect.getsource):
    SQLAlchemy imported after Qt cost 12 MiB of peak memory and its CPU time there, so the
    store, engine and venue layers load before Qt; after it come the window and its libraries."""
    imported_by_a_start(tmp_path)  # creates the store (its migrations import more)
    order = imported_by_a_start(tmp_path)
    check = order.index("moniqo_desktop.store.sqlite_file")
    qt = order.index("shiboken6")  # the first module of Qt's bindings
    assert check < order.index("sqlalchemy") < qt
    late = [m for m in order[qt:] if m == "sqlalchemy" or m.startswith("sqlalchemy.")
            or m.startswith(("moniqo_desktop.engine", "moniqo_desktop.store",
                             "moniqo_desktop.domain", "moniqo_desktop.exchanges"))]
    assert late == []


WATCH_THE_CHECK = """
import sys
from moniqo_desktop.store import sqlite_file
start, answers_for = sqlite_file.FileCheck.start.__func__, sqlite_file.FileCheck.answers_for

def watched_start(cls, *args, **kwargs):
    print("check started; sqlalchemy imported:", "sqlalchemy" in sys.modules, file=sys.stderr)
    return start(cls, *args, **kwargs)

def watched_answers_for(self, *args, **kwargs):
    print("the store asked the early check", file=sys.stderr)
    return answers_for(self, *args, **kwargs)

sqlite_file.FileCheck.start = classmethod(watched_start)
sqlite_file.FileCheck.answers_for = watched_answers_for
from moniqo_desktop.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def test_the_headless_start_checks_its_store_file_early_like_the_window(tmp_path):
    """`--headless` runs the same store-file check as the window, started on its own thread
    before SQLAlchemy is imported, and its store takes that answer (#14, start-up)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for mode in (("--quit-after", "0.1"), ("--headless", "--quit-after", "0.1")):
        result = subprocess.run([sys.executable, "-c", WATCH_THE_CHECK, "--data-dir",
                                 str(tmp_path), *mode],
                                env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        said = [line for line in result.stderr.splitlines() if "check" in line]
        assert said == ["check started; sqlalchemy imported: False",
                        "the store asked the early check"], (mode, result.stderr[-2000:])

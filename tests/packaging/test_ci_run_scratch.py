""".ci/run leaves the clean clone it runs in as it found it (#14 item 10: CI removes its own
scratch): no pytest cache, no Hypothesis example database, no bytecode caches in the checkout
(the egg-info of `pip install -e` is tests/run.sh's, see test_run_sh_scratch.py).

The real .ci/run runs in a copy of the checkout's layout; tests/run.sh is a stand-in that does
to the checkout what the real suite does (a venv python that is this interpreter, importing a
module of the tree and running a Hypothesis test under pytest), the PostgreSQL start and the
lag benchmark are stand-ins too, and the package build is skipped (test_ci_scratch.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

RUN_SH_STAND_IN = """#!/usr/bin/env bash
# stands in for tests/run.sh: the venv, then a pytest run as the real suite's
set -e
cd "$(dirname "$0")/.."
mkdir -p "$MONIQO_VENV/bin"
printf '#!/bin/sh\\nexec %s "$@"\\n' "$REAL_PYTHON" > "$MONIQO_VENV/bin/python"
chmod +x "$MONIQO_VENV/bin/python"
"$MONIQO_VENV/bin/python" -m pytest -q tests/test_sample.py
"""

SAMPLE_TEST = """import sys
from pathlib import Path

from hypothesis import given, strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import app_module  # noqa: E402  (a module of the checkout: its bytecode is cached on import)


@given(st.integers())
def test_sample(n):
    assert app_module.X == 1
"""


def checkout(tmp_path: Path) -> Path:
    tree = tmp_path / "checkout"
    (tree / ".ci").mkdir(parents=True)
    shutil.copy2(ROOT / ".ci" / "run", tree / ".ci" / "run")
    (tree / ".ci" / "postgres.sh").write_text("PG_STOP=true\n")  # no server: none needed
    (tree / "tests").mkdir()
    (tree / "tests" / "run.sh").write_text(RUN_SH_STAND_IN)
    (tree / "tests" / "test_sample.py").write_text(SAMPLE_TEST)
    (tree / "app_module.py").write_text("X = 1\n")
    (tree / "benchmarks").mkdir()
    (tree / "benchmarks" / "bench_lag.py").write_text("print('lag p99 1.0 ms')\n")
    return tree


def everything_in(tree: Path) -> set[str]:
    return {str(p.relative_to(tree)) for p in tree.rglob("*")}


def test_ci_run_leaves_no_cache_in_the_checkout(tmp_path: Path):
    tree = checkout(tmp_path)
    before = everything_in(tree)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX", "PYTEST_ADDOPTS",
                        "HYPOTHESIS_STORAGE_DIRECTORY")}  # as on a CI box
    env.update(REAL_PYTHON=sys.executable, MONIQO_SKIP_PACKAGE="1")
    result = subprocess.run(["bash", str(tree / ".ci" / "run")], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout and "lag p99" in result.stdout  # it all ran
    assert everything_in(tree) - before == set()

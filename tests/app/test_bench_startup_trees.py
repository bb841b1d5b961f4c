"""`benchmarks/bench_startup.py --tree DIR` starts the code in DIR (#14, start-up).

The rounds passed a tree as the bytecode dir and the bytecode dir as the tree, and
`python -m moniqo_desktop` puts the working directory first on the path, ahead of PYTHONPATH:
every `--tree` started the code of the directory the benchmark ran in (or the installed app),
so a "before" and an "after" in the same rounds were the same code.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_startup",
                                                  ROOT / "benchmarks" / "bench_startup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_tree_given_is_the_code_that_starts_wherever_the_benchmark_runs(tmp_path, monkeypatch):
    bench = load_bench()
    tree = tmp_path / "tree"
    (tree / "moniqo_desktop").mkdir(parents=True)
    (tree / "moniqo_desktop" / "__init__.py").write_text("")
    ran = tmp_path / "ran.txt"
    (tree / "moniqo_desktop" / "__main__.py").write_text(
        f"open({str(ran)!r}, 'a').write('the tree ran\\n')\n")
    monkeypatch.chdir(ROOT)  # run from a checkout, which has a moniqo_desktop of its own
    commands = {"app@tree": ([sys.executable, "-m", "moniqo_desktop", "--version"], str(tree))}
    bench.rounds(commands, tmp_path / "pycache", 1, bench.measure)  # the timed rounds
    times = bench.rounds(commands, tmp_path / "pycache", 1, bench.import_times)  # --imports
    assert ran.read_text().splitlines() == ["the tree ran"] * 2
    assert "moniqo_desktop" in times["app@tree"][0]

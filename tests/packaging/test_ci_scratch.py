""".ci/package.sh removes the build/, dist/ and egg-info it made (≈ 250 MB) however it ends, and never a
build/ or dist/ that was there before it started (issue #14 item 10: CI removes its own
scratch).

The real script runs, in a copy of the checkout's layout, up to the build; the 4-minute
PyInstaller build is replaced by a stand-in that writes into build/ and dist/ as the real one
does and then fails, so what is checked is what the script's exit leaves behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BUILD_STAND_IN = """#!/usr/bin/env bash
# stands in for resources/packaging/build.sh: writes what the real build writes, then fails
set -e
cd "$(dirname "$0")/../.."
mkdir -p build/pyinstaller build/icons dist/moniqo-desktop
echo bundle > dist/moniqo-desktop/moniqo-desktop
echo deb > dist/moniqo-desktop_0.1.0_amd64.deb
echo cache > build/pyinstaller/cache
# the real build.sh runs `pip install -e .[package]` into a venv that lacks PyInstaller, and
# setuptools writes the package's egg-info beside the sources (seen in a clean-clone CI run)
mkdir -p moniqo_desktop.egg-info
echo metadata > moniqo_desktop.egg-info/SOURCES.txt
exit 1
"""


def checkout(tmp_path: Path) -> Path:
    """A tree with the real .ci/package.sh, the build stand-in and a .venv whose python says
    yes to the script's "has PyInstaller and the app" question (so nothing is installed)."""
    tree = tmp_path / "checkout"
    (tree / ".ci").mkdir(parents=True)
    shutil.copy2(ROOT / ".ci" / "package.sh", tree / ".ci" / "package.sh")
    build = tree / "resources" / "packaging" / "build.sh"
    build.parent.mkdir(parents=True)
    build.write_text(BUILD_STAND_IN)
    python = tree / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\nexit 0\n")
    python.chmod(0o755)
    return tree


def run_package(tree: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if shutil.which("readelf") is None:  # the script would install binutils first
        tools = tree.parent / "tools"
        tools.mkdir(exist_ok=True)
        (tools / "readelf").write_text("#!/bin/sh\nexit 0\n")
        (tools / "readelf").chmod(0o755)
        env["PATH"] = f"{tools}{os.pathsep}{env['PATH']}"
    return subprocess.run(["bash", str(tree / ".ci" / "package.sh")], cwd=tree.parent, env=env,
                          capture_output=True, text=True, timeout=60)


def test_package_removes_the_build_and_dist_it_made(tmp_path: Path):
    tree = checkout(tmp_path)
    result = run_package(tree)
    assert result.returncode != 0  # the stand-in build failed, and the script stopped there
    assert not (tree / "build").exists(), sorted(p.name for p in tree.iterdir())
    assert not (tree / "dist").exists(), sorted(p.name for p in tree.iterdir())
    assert not (tree / "moniqo_desktop.egg-info").exists(), sorted(p.name for p in tree.iterdir())
    assert (tree / "resources" / "packaging" / "build.sh").exists()  # nothing else went


def test_package_keeps_a_dist_and_build_the_user_had(tmp_path: Path):
    tree = checkout(tmp_path)
    (tree / "dist").mkdir()
    (tree / "dist" / "mine.deb").write_text("the user's own package")
    (tree / "build").mkdir()
    (tree / "build" / "notes").write_text("the user's own build dir")
    (tree / "moniqo_desktop.egg-info").mkdir()
    (tree / "moniqo_desktop.egg-info" / "PKG-INFO").write_text("the developer's own install")
    run_package(tree)
    assert (tree / "dist" / "mine.deb").read_text() == "the user's own package"
    assert (tree / "build" / "notes").read_text() == "the user's own build dir"
    assert (tree / "moniqo_desktop.egg-info" / "PKG-INFO").read_text() == \
        "the developer's own install"

"""Fast checks of the installer's inputs (no PyInstaller run; `.ci/package.sh` does the real
build, install, headless run and removal)."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "resources" / "packaging"
DESKTOP_FILE = ROOT / "resources" / "moniqo-desktop.desktop"
ICON = ROOT / "moniqo_desktop" / "resources" / "moniqo.svg"


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP_FILE, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_launches_the_installed_command_with_the_theme_icon():
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "moniqo-desktop"
    assert entry["Icon"] == "moniqo-desktop"  # a theme name, resolved in hicolor
    assert {"Office", "Finance"} <= set(filter(None, entry["Categories"].split(";")))
    assert entry["Terminal"] == "false"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-utils not installed")
def test_desktop_entry_passes_desktop_file_validate():
    result = subprocess.run(["desktop-file-validate", str(DESKTOP_FILE)],
                            capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout


@pytest.mark.parametrize("script", ["postinst", "postrm"])
def test_maintainer_scripts_are_executable_posix_sh(script):
    path = PACKAGING / "debian" / script
    assert os.access(path, os.X_OK)
    assert path.read_text().startswith("#!/bin/sh\n")
    subprocess.run(["/bin/sh", "-n", str(path)], check=True)


def test_postinst_succeeds_when_the_cache_tools_are_absent(tmp_path):
    # A minimal system has neither update-desktop-database nor gtk-update-icon-cache.
    result = subprocess.run(["/bin/sh", str(PACKAGING / "debian" / "postinst"), "configure"],
                            env={"PATH": str(tmp_path)}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_maintainer_scripts_never_touch_user_data():
    for script in ("postinst", "postrm"):
        code = "\n".join(line for line in (PACKAGING / "debian" / script).read_text().splitlines()
                         if not line.lstrip().startswith("#"))
        assert ".local/share" not in code and "/home" not in code and "HOME" not in code


def test_postrm_cleans_the_install_dir_only_on_remove_or_purge():
    text = (PACKAGING / "debian" / "postrm").read_text()
    case_arm = text.split("remove|purge)")[1].split(";;")[0]
    assert "rm -rf /opt/moniqo-desktop" in case_arm
    assert text.count("rm -rf") == 1  # not on upgrade: the new version's files are in place


def test_depends_cover_the_qt_system_libraries():
    listed = {line.strip() for line in (PACKAGING / "debian" / "depends.txt").read_text().splitlines()
              if line.strip() and not line.lstrip().startswith("#")}
    for package in ("libegl1", "libgl1", "libxkbcommon0", "libxkbcommon-x11-0", "libfontconfig1",
                    "libdbus-1-3", "libglib2.0-0", "libxcb-cursor0", "libc6"):
        assert package in listed


def test_control_template_has_every_placeholder_build_sh_fills():
    control = (PACKAGING / "debian" / "control.in").read_text()
    for field in ("Package: moniqo-desktop", "Version: @VERSION@", "Architecture: amd64",
                  "Depends: @DEPENDS@", "Installed-Size: @INSTALLED_SIZE@", "Maintainer: @MAINTAINER@"):
        assert field in control


def test_spec_is_valid_python():
    source = (PACKAGING / "moniqo-desktop.spec").read_text(encoding="utf-8")
    compile(source, "moniqo-desktop.spec", "exec")


def test_icons_folder_points_at_the_packaged_icon():
    assert (ROOT / "resources" / "icons" / "moniqo-desktop.svg").resolve() == ICON.resolve()


def test_make_icons_renders_the_hicolor_tree(qapp, tmp_path):
    import importlib.util

    from PySide6.QtGui import QImage

    spec = importlib.util.spec_from_file_location("make_icons", PACKAGING / "make_icons.py")
    make_icons = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_icons)

    make_icons.render(tmp_path, (48, 128, 256))
    for size in (48, 128, 256):
        image = QImage(str(tmp_path / f"{size}x{size}" / "apps" / "moniqo-desktop.png"))
        assert (image.width(), image.height()) == (size, size)
        assert image.hasAlphaChannel()
        assert image.pixelColor(0, 0).alpha() == 0  # transparent margin around the tile
        assert image.pixelColor(size // 2, size // 2).alpha() == 255  # opaque tile
    assert (tmp_path / "scalable" / "apps" / "moniqo-desktop.svg").read_bytes() == ICON.read_bytes()

"""Issue #14 item 10: the README's bare-box list is the complete set of system libraries Qt
loads, and the test command installs exactly that set.

The list is checked against the Qt wheel itself: every library its Core/Gui/Widgets/OpenGL/
Svg/DBus libraries and its xcb, wayland and offscreen platform plugins (with the xcb GL and
wayland client plugins they load) name in their ELF `NEEDED` entries, resolved to the Debian
package that holds it (`ldconfig`, `dpkg -S`). The compositor-side wayland plugins and the
framebuffer platforms (eglfs, linuxfb, vnc) are not loaded by a desktop window and are left out.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# On every Debian/Ubuntu box (the C/C++ runtime and what dpkg and apt themselves link to)
BASE = {"libc6", "libstdc++6", "libgcc-s1", "zlib1g", "libzstd1"}
# Loaded with dlopen at run time, so no ELF file names it: the xcb plugin refuses to start
# without it ("xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform plugin")
DLOPENED = {"libxcb-cursor0"}
QT_MODULES = ("Core", "Gui", "Widgets", "OpenGL", "OpenGLWidgets", "Svg", "SvgWidgets", "DBus")
PLUGINS = ("platforms/libqxcb.so", "platforms/libqwayland.so", "platforms/libqoffscreen.so",
           "xcbglintegrations", "wayland-graphics-integration-client",
           "wayland-shell-integration", "wayland-decoration-client")


def readme_list() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    [line] = [ln for ln in text.splitlines() if "sudo apt-get install -y libegl1" in ln]
    return set(re.findall(r"\blib[a-z0-9.+-]+[a-z0-9]", line.split("install -y", 1)[1]))


def run_sh_list() -> set[str]:
    [found] = re.findall(r'^QT_DEBS="([^"]+)"', (ROOT / "tests" / "run.sh").read_text(),
                         re.MULTILINE)
    return set(found.split())


def test_the_test_command_installs_the_readme_list():
    assert readme_list() == run_sh_list()


def _needed(path: Path) -> set[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))


def _qt_files(qt: Path) -> list[Path]:
    files = [qt / "lib" / f"libQt6{m}.so.6" for m in QT_MODULES]
    for plugin in PLUGINS:
        where = qt / "plugins" / plugin
        files += sorted(where.glob("*.so")) if where.is_dir() else [where]
    return files


def _system_libraries(qt: Path) -> set[str]:
    """Sonames the files (and the wheel's own libraries they pull in) need from the system."""
    todo, seen, system = _qt_files(qt), set(), set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _needed(path):
            bundled = qt / "lib" / name
            if bundled.exists() or name.startswith(("libQt6", "libicu")):
                if bundled.exists():
                    todo.append(bundled)
            elif not name.startswith("ld-linux"):
                system.add(name)
    return system


def _packages_of(sonames: set[str]) -> set[str]:
    """The Debian packages holding these libraries on this box (one `dpkg -S` for all)."""
    cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    where = dict(re.findall(r"^\s*(\S+) \(libc6,x86-64[^)]*\) => (\S+)", cache,
                            re.MULTILINE)[::-1])  # the first one ldconfig lists wins
    missing = sorted(sonames - where.keys())
    if missing:
        pytest.skip(f"not installed here, so their packages cannot be told: {missing}")
    # a merged /usr: dpkg knows a file under /usr/lib or /lib, whichever its package used
    probes = {p: soname for soname in sonames
              for p in (where[soname], "/usr" + where[soname],
                        where[soname].replace("/usr/lib/", "/lib/", 1))}
    found = subprocess.run(["dpkg", "-S", *probes], capture_output=True, text=True).stdout
    owners: dict[str, str] = {}
    for line in found.splitlines():
        package, _, path = line.partition(": ")
        if path in probes:
            owners[probes[path]] = package.split(":", 1)[0]
    unowned = sorted(sonames - owners.keys())
    if unowned:
        pytest.skip(f"no package owns these here: {unowned}")
    return set(owners.values())


@pytest.mark.skipif(not (shutil.which("readelf") and shutil.which("dpkg")
                         and shutil.which("ldconfig")), reason="needs readelf, dpkg, ldconfig")
def test_the_readme_list_is_every_library_qt_and_its_platform_plugins_load():
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    needed = _packages_of(_system_libraries(qt)) | DLOPENED
    listed = readme_list()
    assert needed - BASE <= listed, sorted(needed - BASE - listed)
    # and nothing listed that no Qt file loads: the list is the set, not a guess around it
    assert listed <= needed, sorted(listed - needed)

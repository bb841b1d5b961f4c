#!/usr/bin/env bash
# The README's test command: installs what a fresh Debian/Ubuntu machine lacks (the system
# libraries Qt needs, a virtualenv with the app and its test extra), then runs the whole suite
# headless. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every library the Qt wheel's QtCore/Gui/Widgets/OpenGL/Svg and its xcb and wayland platform
# plugins load (checked with ldd on Qt/lib and Qt/plugins); the README lists the same set.
QT_DEBS="libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0 libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1 libwayland-client0 libwayland-cursor0 libwayland-egl1"
missing=""
if command -v dpkg-query >/dev/null 2>&1; then
  for p in $QT_DEBS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
fi
if [ -n "$missing" ]; then
  echo "Installing Qt's system libraries:$missing"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi

PY=${PYTHON:-python3}
VENV=${MONIQO_VENV:-.venv}
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# `pip install -e` has setuptools write moniqo_desktop.egg-info beside the sources: build
# metadata only (the install's record is the .dist-info in the venv, and the editable finder
# maps the package without it), so it is removed once the install ends, however it ends;
# one that was there before this run is the developer's and stays.
EGG_INFO=moniqo_desktop.egg-info
if [ -e "$EGG_INFO" ]; then EGG_INFO=""; fi
trap '[ -z "$EGG_INFO" ] || rm -rf "$EGG_INFO"' EXIT
"$VENV/bin/python" -m pip install -q -e ".[test]"
[ -z "$EGG_INFO" ] || rm -rf "$EGG_INFO"
trap - EXIT

export QT_QPA_PLATFORM=offscreen
exec "$VENV/bin/python" -m pytest -q "$@"

#!/usr/bin/env bash
# CI: build the .deb from this checkout, install it the way a user would, run the installed app
# headless in a throw-away HOME, then remove it and check it left nothing behind but user data;
# the build/, dist/ and egg-info it made go too.
# Needs root or sudo (dpkg -i). About 3 minutes on 2 cores, most of it PyInstaller and xz.
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=moniqo-desktop
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
# build/ and dist/ (about 250 MB), and the egg-info that `pip install -e` writes beside the
# sources, are this run's scratch when it makes them: removed on exit, however the run ends.
# One that was there before is the user's and stays.
MADE=()
for dir in build dist moniqo_desktop.egg-info; do [ -e "$dir" ] || MADE+=("$dir"); done
TEST_HOME=""
cleanup() {
    [ -z "$TEST_HOME" ] || rm -rf "$TEST_HOME"
    [ ${#MADE[@]} -eq 0 ] || rm -rf -- "${MADE[@]}"
}
trap cleanup EXIT

apt_install() {
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
# Build tools: binutils (strip/readelf/objdump for the spec and the dependency check).
command -v readelf >/dev/null 2>&1 || apt_install binutils

# A venv with the app's [package] extra: reuse .venv if it has everything, else make our own
# outside the checkout so a fresh clone stays clean.
PY=${PYTHON:-python3}
if [ -x .venv/bin/python ] && .venv/bin/python -c "import PyInstaller, moniqo_desktop" 2>/dev/null; then
    VENV=.venv
else
    VENV=${MONIQO_PACKAGE_VENV:-${TMPDIR:-/tmp}/moniqo-package-venv}
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV" || { apt_install python3-venv; "$PY" -m venv "$VENV"; }
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[package]"
fi

BUILD_START=$(date +%s)
PYTHON=$VENV/bin/python bash resources/packaging/build.sh
BUILD_SECONDS=$(( $(date +%s) - BUILD_START ))
VERSION=$("$VENV/bin/python" -c "import moniqo_desktop; print(moniqo_desktop.__version__)")
DEB=dist/${NAME}_${VERSION}_amd64.deb

echo "== install $DEB"
# dpkg -i does not fetch dependencies; apt-get -f installs them and finishes the configuration.
if ! $SUDO dpkg -i "$DEB"; then
    apt_install -f
fi
[ "$(dpkg-query -W -f='${Status}' "$NAME")" = "install ok installed" ]

fail() { echo "FAIL: $*" >&2; exit 1; }
for f in /opt/$NAME/$NAME /usr/bin/$NAME /usr/share/applications/$NAME.desktop \
         /usr/lib/systemd/system/$NAME-serve@.service \
         /usr/share/icons/hicolor/scalable/apps/$NAME.svg \
         /usr/share/icons/hicolor/{48x48,128x128,256x256}/apps/$NAME.png; do
    [ -e "$f" ] || fail "$f was not installed"
done

echo "== run the installed app headless"
TEST_HOME=$(mktemp -d)  # removed on exit (cleanup, above)
run_app() {
    # A clean user: no inherited XDG paths, so the app must use its platformdirs defaults.
    env -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u XDG_STATE_HOME -u XDG_CACHE_HOME \
        HOME="$TEST_HOME" QT_QPA_PLATFORM=offscreen /usr/bin/$NAME "$@"
}
# The server service ships disabled: nothing may be enabled by installing the package.
if command -v systemctl >/dev/null 2>&1 && systemctl list-unit-files >/dev/null 2>&1; then
    [ "$(systemctl is-enabled "$NAME-serve@default.service" 2>/dev/null || true)" != "enabled" ] \
        || fail "$NAME-serve@default.service was enabled by the installation"
fi
run_app serve --help | grep -q -- "--account" || fail "serve --help does not offer --account"
got=$(run_app --version)
[ "$got" = "$NAME $VERSION" ] || fail "--version printed '$got'"
run_app --quit-after 5 || fail "--quit-after 5 exited with $?"
STORE=$TEST_HOME/.local/share/$NAME/moniqo.sqlite3
[ -s "$STORE" ] || fail "the store $STORE was not created"
# Start-up figure: the first run above paid the cold disk cache; these are warm starts.
START_TIMES=""
for _ in 1 2 3; do
    t0=$EPOCHREALTIME; run_app --quit-after 0.1 >/dev/null 2>&1; t1=$EPOCHREALTIME
    START_TIMES+=" $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
done

echo "== remove"
$SUDO dpkg --purge "$NAME"
for f in /opt/$NAME /usr/bin/$NAME /usr/share/applications/$NAME.desktop \
         /usr/lib/systemd/system/$NAME-serve@.service \
         /usr/share/icons/hicolor/256x256/apps/$NAME.png; do
    [ ! -e "$f" ] && [ ! -L "$f" ] || fail "$f is still there after purge"
done
[ -s "$STORE" ] || fail "user data did not survive removal"

echo "== package.sh passed"
echo "   build: ${BUILD_SECONDS} s; bundle $(du -sh dist/$NAME | cut -f1); deb $(du -h "$DEB" | cut -f1)"
echo "   installed app, start to quit with --quit-after 0.1 (warm):$START_TIMES s"

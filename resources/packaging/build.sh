#!/usr/bin/env bash
# Build the installer: the PyInstaller one-folder bundle and the Debian package made from it.
#
#   bash resources/packaging/build.sh        ->  dist/moniqo-desktop/
#                                                 dist/moniqo-desktop_<version>_amd64.deb
#
# Python: $PYTHON if set, else .venv/bin/python if present, else python3. If that interpreter
# lacks the app or PyInstaller, `pip install -e .[package]` is run into it (use a venv).
# Environment: MONIQO_MAINTAINER overrides the .deb Maintainer field.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PKG_DIR=resources/packaging
NAME=moniqo-desktop
START=$(date +%s)

if [ -n "${PYTHON:-}" ]; then PY=$PYTHON
elif [ -x .venv/bin/python ]; then PY=.venv/bin/python
else PY=python3
fi
if ! "$PY" -c "import PyInstaller, moniqo_desktop" >/dev/null 2>&1; then
    echo "== installing the app and PyInstaller into $PY"
    "$PY" -m pip install -q -e ".[package]"
fi
# Run from the checkout so `import moniqo_desktop` is this tree (cwd comes first on sys.path).
VERSION=$("$PY" -c "import moniqo_desktop; print(moniqo_desktop.__version__)")
ARCH=amd64
[ "$(uname -m)" = x86_64 ] || { echo "only amd64 is packaged (this is $(uname -m))" >&2; exit 1; }

echo "== icons"
rm -rf build/icons
"$PY" "$PKG_DIR/make_icons.py" build/icons 48 128 256 >/dev/null

echo "== PyInstaller bundle (moniqo-desktop $VERSION)"
# The Python archive (PYZ) is stored uncompressed: inflating the ~580 modules a start imports was
# ~60 ms of every start of the installed app (9 ms stored; measured for #14). The .deb is xz
# compressed anyway, so only the installed bundle grows (see README.md).
export PYINSTALLER_ZLIB_COMPRESSION_LEVEL=${PYINSTALLER_ZLIB_COMPRESSION_LEVEL:-0}
# --noconfirm replaces the previous dist/moniqo-desktop; the work dir is kept as a cache.
MONIQO_ICON_DIR=$ROOT/build/icons "$PY" -m PyInstaller --noconfirm --log-level WARN \
    --distpath dist --workpath build/pyinstaller "$PKG_DIR/$NAME.spec"
BUNDLE=dist/$NAME
# The bundle must start on its own before it is worth packaging.
got=$("$BUNDLE/$NAME" --version)
[ "$got" = "$NAME $VERSION" ] || { echo "bundle --version printed '$got'" >&2; exit 1; }

echo "== checking the bundle's system libraries against $PKG_DIR/debian/depends.txt"
DEPENDS_LIST=$(grep -v '^\s*#' "$PKG_DIR/debian/depends.txt" | grep -v '^\s*$')
if command -v dpkg >/dev/null 2>&1; then
    # Every DT_NEEDED name that the bundle does not carry must resolve on this machine to a
    # package listed in depends.txt; a new Qt plugin or extension with a new system dependency
    # then fails here instead of on a user's machine.
    bundled=$(find "$BUNDLE" \( -type f -o -type l \) -name '*.so*' -printf '%f\n' | sort -u)
    needed=$(find "$BUNDLE" -type f \( -name '*.so*' -o -name "$NAME" \) -print0 \
             | xargs -0 readelf -d 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u)
    problems=""
    for soname in $needed; do
        grep -qxF "$soname" <<<"$bundled" && continue
        path=$(ldconfig -p | awk -v n="$soname" '$1 == n && /x86-64/ && !found { print $NF; found = 1 }')
        if [ -z "$path" ]; then problems+=" $soname(not installed here)"; continue; fi
        # Merged-/usr systems register /usr/lib/... or /lib/...; try the path and its twin.
        owner=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null \
                || dpkg -S "/usr$path" 2>/dev/null || true)
        owner=${owner%%:*}
        grep -qxF "$owner" <<<"$DEPENDS_LIST" || problems+=" $soname(${owner:-unowned})"
    done
    if [ -n "$problems" ]; then
        echo "system libraries not covered by depends.txt:$problems" >&2
        exit 1
    fi
else
    echo "   (no dpkg here: check skipped)"
fi
# glibc: the newest symbol version any bundled binary uses is the minimum libc6 we need.
GLIBC_MIN=$(find "$BUNDLE" -type f \( -name '*.so*' -o -name "$NAME" \) -print0 \
            | xargs -0 objdump -T 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' \
            | sort -uV | tail -n 1)
DEPENDS=$(sed "s/^libc6\$/libc6 (>= $GLIBC_MIN)/" <<<"$DEPENDS_LIST" | paste -sd, | sed 's/,/, /g')

echo "== Debian package"
STAGE=build/deb/${NAME}_${VERSION}_$ARCH
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
         "$STAGE/usr/share/icons"
cp -a "$BUNDLE" "$STAGE/opt/$NAME"
# The bootloader finds _internal/ next to the real executable (it resolves the link), so a
# symlink is enough for PATH.
ln -s "/opt/$NAME/$NAME" "$STAGE/usr/bin/$NAME"
install -m 0644 "resources/$NAME.desktop" "$STAGE/usr/share/applications/$NAME.desktop"
# The server service (disabled until the admin enables an instance; see the README).
install -D -m 0644 "$PKG_DIR/systemd/$NAME-serve@.service" \
    "$STAGE/usr/lib/systemd/system/$NAME-serve@.service"
cp -r build/icons "$STAGE/usr/share/icons/hicolor"
install -m 0755 "$PKG_DIR/debian/postinst" "$PKG_DIR/debian/postrm" "$STAGE/DEBIAN/"
# dpkg wants 0755 dirs and no group/other write bits whatever the builder's umask was.
chmod -R u+rwX,go+rX,go-w "$STAGE"
INSTALLED_SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" \
    -e "s/@MAINTAINER@/${MONIQO_MAINTAINER:-Moniqo <desktop@moniqo.invalid>}/" \
    -e "s/@INSTALLED_SIZE@/$INSTALLED_SIZE/" \
    -e "s/@DEPENDS@/$DEPENDS/" \
    "$PKG_DIR/debian/control.in" > "$STAGE/DEBIAN/control"
DEB=dist/${NAME}_${VERSION}_$ARCH.deb
# --root-owner-group: files owned by root:root without fakeroot. xz -6 (dpkg's default level)
# is what apt handles everywhere; it is most of the packaging time.
dpkg-deb --build --root-owner-group -Zxz "$STAGE" "$DEB" >/dev/null

echo "== done in $(( $(date +%s) - START )) s"
echo "   bundle: $(du -sh "$BUNDLE" | cut -f1)  $BUNDLE/"
echo "   deb:    $(du -h "$DEB" | cut -f1)  $DEB"

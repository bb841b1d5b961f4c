"""Render the app icon (moniqo_desktop/resources/moniqo.svg) to the PNG sizes installers need.

    python resources/packaging/make_icons.py OUT_DIR [SIZE ...]

Writes OUT_DIR/<size>x<size>/apps/moniqo-desktop.png for each size (default 48 128 256) and copies
the SVG to OUT_DIR/scalable/apps/moniqo-desktop.svg: the hicolor theme layout, so the .deb copies the tree
as it is. PNGs are build output, not committed; Qt's own SVG renderer draws them so the PNGs
match the window icon pixel for pixel and no extra tool (inkscape, rsvg) is needed.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

SVG = Path(__file__).resolve().parents[2] / "moniqo_desktop" / "resources" / "moniqo.svg"
NAME = "moniqo-desktop"
DEFAULT_SIZES = (48, 128, 256)


def render(out_dir: Path, sizes: tuple[int, ...] = DEFAULT_SIZES) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed at build time
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (fonts/paint need it)
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot parse {SVG}")
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        target = out_dir / f"{size}x{size}" / "apps" / f"{NAME}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target), "PNG"):
            raise SystemExit(f"cannot write {target}")
        written.append(target)
    scalable = out_dir / "scalable" / "apps" / f"{NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SVG, scalable)
    written.append(scalable)
    return written


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    sizes = tuple(int(s) for s in argv[1:]) or DEFAULT_SIZES
    for path in render(Path(argv[0]), sizes):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

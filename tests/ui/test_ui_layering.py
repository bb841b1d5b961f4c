"""DESIGN.md "Data flows one way": the UI talks to the engine's public API and never to the
venues' code (ccxt, keyring, `exchanges/`) or SQL. Venue facts the window needs (a market's
steps, the refusal they raise, candle sizes) come through `moniqo_desktop.engine`."""

from __future__ import annotations

import ast
from pathlib import Path

import moniqo_desktop.ui as ui

FORBIDDEN = ("moniqo_desktop.exchanges", "moniqo_desktop.store", "ccxt", "keyring", "sqlalchemy")


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                package = path.relative_to(Path(ui.__file__).parent.parent.parent).parent.parts
                base = ".".join(package[: len(package) - node.level + 1])
                names.append(f"{base}.{node.module}" if node.module else base)
            else:
                names.append(node.module or "")
    return names


def test_the_window_imports_nothing_of_the_venues_or_the_store():
    root = Path(ui.__file__).parent
    found = {f"{path.relative_to(root)}: {name}"
             for path in root.rglob("*.py") for name in _imports(path)
             if name.startswith(FORBIDDEN)}
    assert found == set()

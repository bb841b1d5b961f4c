"""Issue #11: every change of an order or position goes through a domain method (which writes
the history); the engine never assigns their state attributes itself.

A structural check over the engine's source: an assignment like `order.amount = ...` or
`position.status = ...` outside `moniqo_desktop/domain` fails here with file and line.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import moniqo_desktop.engine as engine_pkg
from moniqo_desktop.domain import Order, Position

# Configuration handed over before anything is written, not state that has a history:
# the protection of a new order (set before it is saved), risk thresholds (settings).
CONFIGURATION = {"protection", "risk_thresholds"}
STATE = ({f.name for f in dataclasses.fields(Order)} |
         {f.name for f in dataclasses.fields(Position)}) - CONFIGURATION


def assignments(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        while any(isinstance(t, (ast.Tuple, ast.List)) for t in targets):
            targets = [e for t in targets for e in (
                t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t])]
        for leaf in targets:
            if isinstance(leaf, ast.Attribute) and leaf.attr in STATE and not (
                    isinstance(leaf.value, ast.Name) and leaf.value.id == "self"):
                yield f"{path.name}:{leaf.lineno}: {ast.unparse(leaf)} = ..."


def test_engine_changes_orders_and_positions_only_through_domain_methods():
    folder = Path(engine_pkg.__file__).parent
    found = [hit for path in sorted(folder.glob("*.py")) for hit in assignments(path)]
    assert found == []


def test_the_check_sees_an_assignment(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f(order, position):\n    order.amount = 1\n"
                      "    position.status += 1\n    self.status = 2\n")
    assert [h.split(": ", 1)[1] for h in assignments(sample)] == [
        "order.amount = ...", "position.status = ..."]

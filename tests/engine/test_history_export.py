"""The CSV export as a spreadsheet reads it (issue #14 follow-ups): every order names the
position its fills went into, realized P&L carries the digits that mean something, and every
time is written one way (ISO 8601 UTC, whole seconds)."""

from __future__ import annotations

import csv
import re
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from moniqo_desktop.engine import Engine
from moniqo_desktop.history_export import PNL_PLACES, export_csv

D = Decimal
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


async def trade(engine, demo, clock) -> str:
    """Buy 0.7, add 0.2, sell 0.3 by a plain order, then close the rest: a long whose
    realized P&L is a sum of parts with a third of its entry fees booked (division noise)."""
    clock.now = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount=D("0.7"))
    clock.advance(seconds=1.5)
    demo.set_price("BTC/USDT", D("50100"))
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount=D("0.2"))
    clock.advance(seconds=1.5)
    demo.set_price("BTC/USDT", D("51234.5"))
    await engine.place_order(symbol="BTC/USDT", side="sell", type="market", amount=D("0.3"))
    [position] = engine.positions(open_only=True)
    clock.advance(seconds=1.5)
    demo.set_price("BTC/USDT", D("52000"))
    await engine.close_position(position.id)
    return position.id


async def test_every_order_names_its_position(engine, demo, clock, tmp_path, db_path, settings):
    pid = await trade(engine, demo, clock)
    orders_csv, _, _ = export_csv(tmp_path, engine.order_history(), engine.position_history())
    assert [(o["side"], o["position_id"]) for o in rows(orders_csv)] == [
        ("buy", pid), ("buy", pid), ("sell", pid), ("sell", pid)]
    await engine.close()
    again = await Engine.open(db_path, demo, settings=settings, clock=clock)  # as stored
    try:
        assert {o.position_id for o in again.order_history()} == {pid}
    finally:
        await again.close()


async def test_realized_pnl_is_exact_to_its_meaningful_places(engine, demo, clock, tmp_path):
    await trade(engine, demo, clock)
    [position] = engine.position_history()
    assert len(str(position.realized_pnl).split(".")[1]) > 12  # the noise the file had
    _, _, positions_csv = export_csv(tmp_path, engine.order_history(),
                                     engine.position_history())
    [row] = rows(positions_csv)
    text = row["realized_pnl"]
    assert re.fullmatch(rf"-?\d+\.\d{{{PNL_PLACES}}}", text), text
    assert D(text) == position.realized_pnl.quantize(D(1).scaleb(-PNL_PLACES))
    header = positions_csv.read_text(encoding="utf-8").splitlines()[0]
    assert "realized_pnl" in header


async def test_times_are_iso_utc_whole_seconds(engine, demo, clock, tmp_path):
    await trade(engine, demo, clock)
    paths = export_csv(tmp_path, engine.order_history(), engine.position_history())
    times = [(path.name, key, value) for path in paths for row in rows(path)
             for key, value in row.items() if key.endswith("_at") or key == "at"]
    assert times and all(ISO_UTC.match(v) for _, _, v in times if v), times
    orders = rows(paths[0])
    assert orders[0]["created_at"] == "2026-03-01T09:30:15Z"


def test_orders_stored_before_the_link_are_named_through_their_position():
    """A store written before orders carried their position: the position's entry and exit
    order ids still name it in the export."""
    from moniqo_desktop.domain import Order, Position
    from moniqo_desktop.history_export import order_rows

    entry = Order(symbol="BTC/USDT", side="buy", type="market", amount=D("0.1"))
    other = Order(symbol="ETH/USDT", side="buy", type="market", amount=D("1"))
    position = Position(symbol="BTC/USDT", side="long", amount=D("0.1"),
                        entry_price=D("50000"), entry_order_id=entry.id)
    assert entry.position_id is None
    assert [r["position_id"] for r in order_rows([entry, other], [position])] == [
        position.id, ""]

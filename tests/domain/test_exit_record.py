"""The exit decision record: what fired, at which level, from which water mark."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from moniqo_desktop.domain import ExitReason, ExitRecord, Position
from moniqo_desktop.domain.exits import check_exits

D = Decimal
T = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)


def test_a_longs_trailing_exit_records_the_hwm_and_distance():
    p = Position(symbol="BTC/USDT", side="long", amount=D("1"), entry_price=D("50000"))
    p.set_protection(trailing_stop_percent=D("2"))
    check_exits(p, D("53000"), T)
    decision = check_exits(p, D("51900"), T)
    record = ExitRecord.of(p, decision.reason, decision)
    assert (record.rule, record.level, record.trigger_price, record.water_mark,
            record.trailing_percent, record.at) == (
        ExitReason.TRAILING_STOP, D("51940.00"), D("51900"), D("53000"), D("2"), T)
    assert record.source_text() == "level 51940.00, from HWM 53000.00 − 2 %"
    assert ExitRecord.from_dict(record.to_dict()) == record


def test_a_shorts_trailing_exit_counts_up_from_the_lwm():
    p = Position(symbol="BTC/USDT", side="short", amount=D("1"), entry_price=D("50000"))
    p.set_protection(trailing_stop_percent=D("1"))
    check_exits(p, D("48000"), T)
    decision = check_exits(p, D("48500"), T)
    record = ExitRecord.of(p, decision.reason, decision)
    assert record.source_text() == "level 48480.00, from LWM 48000.00 + 1 %"


def test_a_plain_stop_has_no_water_mark_and_a_manual_close_no_level():
    p = Position(symbol="BTC/USDT", side="long", amount=D("1"), entry_price=D("50000"))
    p.set_protection(stop_loss=D("49000"))
    decision = check_exits(p, D("48990"), T)
    record = ExitRecord.of(p, decision.reason, decision)
    assert record.water_mark is None and record.source_text() == "level 49000.00"
    manual = ExitRecord.of(p, ExitReason.MANUAL)
    assert manual.level is None and manual.trigger_price == D("48990")
    assert manual.source_text() == "by hand"

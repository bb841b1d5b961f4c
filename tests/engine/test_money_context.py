"""Money is computed in the app's own decimal context, whatever the thread's context says.

ccxt's precision helper (`decimal_to_precision`) switches the thread's context to ROUND_HALF_UP
and traps Underflow; any library may do worse. The same trading session is run twice - once in
Python's default context, once with the thread's context flipped before every call into the
engine - and every figure a trader sees must come out identical, with no error reported.
The harsh flip (6 digits, rounding down, every inexact result trapped) makes any Decimal
operation in engine/ or domain/ that escapes the app's context fail loudly at its own line.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from pathlib import Path

import pytest

from fake_clock import FakeClock

from moniqo_desktop.config import Settings
from moniqo_desktop.domain.money import MONEY_CONTEXT
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.events import EngineError, StoreFailed
from moniqo_desktop.exchanges import DemoExchange

D = Decimal


def ccxt_flip() -> decimal.Context:
    """The thread's context after a real ccxt precision call."""
    from ccxt.base.decimal_to_precision import DECIMAL_PLACES, ROUND, decimal_to_precision

    with decimal.localcontext() as flipped:
        decimal_to_precision("1.005", ROUND, 2, DECIMAL_PLACES)
        assert flipped.rounding == decimal.ROUND_HALF_UP and flipped.traps[decimal.Underflow]
        return flipped.copy()


def harsh_flip() -> decimal.Context:
    return decimal.Context(prec=6, rounding=decimal.ROUND_DOWN,
                           traps=[decimal.InvalidOperation, decimal.DivisionByZero,
                                  decimal.Overflow, decimal.Underflow, decimal.Inexact])


def figures(engine: Engine) -> dict[str, object]:
    """Everything money the trader sees, as exact text (a changed exponent shows too)."""
    out: dict[str, object] = {}
    with decimal.localcontext(MONEY_CONTEXT):  # the reading is not under test
        for n, order in enumerate(engine.orders()):
            out[f"order{n}"] = (order.status.value, str(order.amount),
                                [(str(f.amount), str(f.price), str(f.fee)) for f in order.fills],
                                str(order.average_fill_price), sorted(
                                    (c, str(v)) for c, v in order.fees.items()))
        for n, p in enumerate(engine.positions()):
            out[f"position{n}"] = (
                p.status.value, str(p.amount), str(p.entry_price), str(p.entry_fees),
                str(p.realized_pnl), str(p.unrealized_pnl), str(p.stop_loss),
                str(p.high_water_mark), str(p.low_water_mark), str(p.max_drawdown),
                str(p.exit_price), str(p.exit_fees), p.risk_level.value,
                str(p.unrealized_pnl_percent) if p.is_open else "")
            out[f"updates{n}"] = [(str(u.price), str(u.unrealized_pnl), str(u.drawdown),
                                   str(u.stop_loss)) for u in engine.position_updates(p.id)]
        out["balances"] = sorted((c, str(f), str(t)) for c, (f, t) in engine.balances().items())
    return out


async def session(tmp: Path, flip: decimal.Context | None) -> dict[str, object]:
    """Entries at awkward prices, a partial fill, a trailing stop that ratchets, a partial close,
    break-even, then the stop exits. `flip` is set as the thread's context before each step;
    the paper venue's own world moves (set_price) are the market, not the app: they run in the
    app's context."""
    clock = FakeClock()
    demo = DemoExchange(prices={"BTC/USDT": D("50123.45"), "ETH/USDT": D("3012.77")},
                        fee_rate=D("0.00075"), balances={"USDT": D("100000")},
                        liquidity_per_tick=D("0.037"))
    engine = await Engine.open(tmp / "s.sqlite3", demo, settings=Settings(
        update_log_min_seconds=0), clock=clock)
    errors: list[object] = []
    engine.events.subscribe(errors.append, EngineError, StoreFailed)

    def market(symbol: str, price: str) -> None:
        with decimal.localcontext(MONEY_CONTEXT):
            demo.set_price(symbol, price)

    async def step(call):
        if flip is not None:
            decimal.setcontext(flip.copy())
        try:
            return await call
        finally:
            decimal.setcontext(decimal.Context())

    async def cycle(seconds: float = 7) -> None:
        clock.advance(seconds=seconds)
        await step(engine.run_cycle())

    try:
        await step(engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                      amount="0.1", price="50100.01",
                                      trailing_stop_percent="1.7", break_even_percent="0.9"))
        for price in ("50099.99", "50087.13", "50071.9"):  # fills in parts
            market("BTC/USDT", price)
            await cycle()
        await step(engine.place_order(symbol="ETH/USDT", side="buy", type="market",
                                      amount="1.234", stop_loss="2950.13",
                                      take_profit="3333.33"))
        for price in ("50311.77", "50876.03", "51234.57", "51001.11"):  # the trail ratchets
            market("BTC/USDT", price)
            market("ETH/USDT", str(D("3012.77") + D(price) / D(1000) - D(50)))
            await cycle()
        btc = next(p for p in engine.positions() if p.symbol == "BTC/USDT")
        await step(engine.close_position(btc.id, amount="0.033"))
        await step(engine.update_protection(btc.id, trailing_stop_percent="0.8"))
        for price in ("51100.5", "50555.55", "50200.02"):  # the stop exits
            market("BTC/USDT", price)
            await cycle()
        eth = next(p for p in engine.positions() if p.symbol == "ETH/USDT")
        await step(engine.close_position(eth.id))
        await cycle()
        assert errors == []
        return figures(engine)
    finally:
        await engine.close()


@pytest.mark.parametrize("flip", [ccxt_flip, harsh_flip], ids=["as-ccxt-does", "harsh"])
async def test_a_flipped_thread_context_changes_no_result(tmp_path, flip):
    plain = await session(tmp_path / "plain", None) if (tmp_path / "plain").mkdir() is None \
        else None
    (tmp_path / "flipped").mkdir()
    flipped = await session(tmp_path / "flipped", flip())
    assert plain is not None
    assert any(k.startswith("position") for k in plain)
    for key in plain:
        assert flipped.get(key) == plain[key], key
    assert flipped.keys() == plain.keys()

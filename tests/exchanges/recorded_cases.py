"""Recorded-body cases: a venue's body, the call that asks for it, what the recording says.

Shared by the suites that replay recorded bodies (ccxt's own recordings under
ts/src/test/static/, or the venue's API documentation examples) through `CcxtExchange` and real
ccxt. Only ccxt's HTTP fetch is replaced (ccxt_replay.py); request building, error handling and
parsing are ccxt's own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from ccxt_replay import Replay, SleepRecorder, replayed

from moniqo_desktop.domain import Order, OrderStatus
from moniqo_desktop.exchanges.ccxt_exchange import CcxtExchange

D = Decimal
OURS = "mq" + f"{7:030x}"


@dataclass(frozen=True)
class Case:
    """One recorded body, the call that asks for it, and what the recording says."""

    venue: str
    name: str
    fixtures: tuple[str, ...]
    call: Callable[[CcxtExchange], Awaitable[Any]]
    expect: dict[str, Any]
    markets: tuple[str, ...] = ()
    sticky: tuple[str, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    echo: bool = False  # answer the client id the create sent (as the venue would)
    sent: dict[str, str] = field(default_factory=dict)  # params the last request carried
    # an error body: the exception our adapter must raise (`expect` then names its attributes)
    raises: type[BaseException] | None = None


def fetch_call(symbol: str, order_id: str):
    return lambda ex: ex.fetch_order(symbol, exchange_order_id=order_id)


def create_call(symbol: str, side: str, type_: str, amount: str, price: str | None = None):
    return lambda ex: ex.create_order(Order(
        symbol=symbol, side=side, type=type_, amount=D(amount),
        price=D(price) if price else None, client_order_id=OURS))


KUCOIN = dict(markets=("symbols_more",), sticky=("account_mode", "hf_accounts_opened"),
              kwargs={"password": "test-passphrase-55"})
COINBASE = dict(markets=("products_more", "products_future"), sticky=("transaction_summary",))
GATE = dict(markets=("margin_currency_pairs", "currency_pairs_more"), sticky=("account_detail",))
OKX = dict(markets=("instruments_spot",), kwargs={"password": "test-passphrase-55"})
BITGET = dict(markets=("symbols", "margin_currencies"), sticky=("uta_settings_classic",),
              kwargs={"password": "test-passphrase-55"})
BITGET_LTC = {**BITGET, "markets": ("symbols_ltc", "margin_currencies")}
OKX_LTC = {**OKX, "markets": ("instruments_spot_ltc",)}
BINANCE = dict(markets=("exchange_info_recorded",))
BYBIT = dict(markets=("instruments_spot_more",), sticky=("query_api", "account_info"))
KRAKEN = dict(markets=("asset_pairs_with_ltc",),
              kwargs={"secret": "c2VjcmV0LWZvci10ZXN0cy1vbmx5LTEyMzQ1Njc4"})


def matches(actual: Any, expected: Any, where: str) -> None:
    """`expected` is a partial picture: a dict names the fields (of an object) or the keys (of
    a mapping of objects) that must agree; anything else must be equal, Decimals as Decimals."""
    if isinstance(expected, list):
        assert len(actual) == len(expected), f"{where}: {len(actual)} items, expected {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            matches(a, e, f"{where}[{i}]")
        return
    if isinstance(expected, dict) and not isinstance(actual, dict):
        for name, want in expected.items():
            matches(getattr(actual, name), want, f"{where}.{name}")
        return
    if isinstance(expected, dict) and any(isinstance(v, dict) for v in expected.values()):
        for key, want in expected.items():
            matches(actual[key], want, f"{where}[{key!r}]")
        return
    assert actual == expected, f"{where}: {actual!r} != {expected!r}"
    if isinstance(expected, Decimal):
        assert isinstance(actual, Decimal), f"{where}: {actual!r} is not a Decimal"


async def with_markets(venue: str, setup: dict[str, Any], sleeps: SleepRecorder | None = None,
                       echo: bool = False) -> tuple[CcxtExchange, Replay]:
    """`venue` on recordings, its markets loaded, per one of the set-up dicts above (markets,
    sticky answers, client kwargs): the start every replayed scenario shares."""
    replay = Replay(venue, echo_client_ids=echo)
    exchange = replayed(venue, replay, sleeps or SleepRecorder(), **setup.get("kwargs", {}))
    replay.add(*setup.get("sticky", ()), sticky=True)
    replay.add(*setup.get("markets", ()))
    await exchange.load_markets()
    return exchange, replay


async def run_case(case: Case) -> None:
    """Replay `case`'s bodies through real ccxt and check the result against the recording."""
    exchange, replay = await with_markets(
        case.venue, {"markets": case.markets, "sticky": case.sticky, "kwargs": case.kwargs},
        echo=case.echo)
    replay.add(*case.fixtures)
    try:
        if case.raises is not None:
            with pytest.raises(case.raises) as caught:
                await case.call(exchange)
            matches(caught.value, case.expect, case.name)
        else:
            matches(await case.call(exchange), case.expect, case.name)
        assert {k: replay.last().params.get(k) for k in case.sent} == case.sent
        assert not replay.unmatched and not replay.pending(), replay.pending()
    finally:
        await exchange.close()


def assert_back_to_open_after_a_refused_cancel(order: Order, replay: Replay, method: str,
                                               path: str) -> None:
    """DESIGN.md "What venues really do": a refused cancel returns the order to the status it
    had (OPEN), says so in its history, and the cancel went out once; every body was used."""
    assert order.status is OrderStatus.OPEN
    assert [h.status for h in order.history][-2:] == [OrderStatus.CANCELLING, OrderStatus.OPEN]
    assert order.history[-1].reason.startswith("cancel refused")
    assert len(replay.sent(method, path)) == 1
    assert not replay.unmatched and not replay.pending(), replay.pending()


async def assert_not_found_only_over_time(engine: Any, clock: Any, order: Order) -> None:
    """DESIGN.md "What venues really do": a create whose answer was lost stays SUBMITTED
    "outcome unknown" while the venue answers "not found"; two more answers 15 s apart prove
    nothing, the third (30 s after the first) makes it FAILED "never reached the exchange";
    never REJECTED. `engine` runs on `clock` (a FakeClock)."""
    assert (order.status, order.history[-1].reason) == (OrderStatus.SUBMITTED, "outcome unknown")
    for _ in range(2):
        clock.advance(seconds=15)
        await engine.run_cycle()
        assert order.status is OrderStatus.SUBMITTED  # one miss proves nothing yet
    clock.advance(seconds=15)
    await engine.run_cycle()
    assert (order.status, order.history[-1].reason) == (OrderStatus.FAILED,
                                                        "never reached the exchange")
    assert OrderStatus.REJECTED not in [h.status for h in order.history]

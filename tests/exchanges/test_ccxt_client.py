"""How the ccxt client is built: rate limiting on, sandbox switch, options merged."""

from __future__ import annotations

import pytest
from ccxt_replay import Replay
from ccxt_replay import replayed

from moniqo_desktop.exchanges.ccxt_exchange import CcxtExchange, build_client
from moniqo_desktop.exchanges.errors import ExchangeError


async def test_rate_limiting_and_spot_only_defaults():
    client = build_client("binance")
    assert client.enableRateLimit is True
    assert client.options["fetchMarkets"]["types"] == ["spot"]
    assert client.options["defaultType"] == "spot"
    assert client.has["fetchCurrencies"] is False
    await client.close()


async def test_caller_options_are_merged_not_replaced():
    client = build_client("binance", ccxt_options={"options": {"recvWindow": 5000}, "timeout": 3000})
    assert client.options["recvWindow"] == 5000
    assert client.options["defaultType"] == "spot"
    assert client.timeout == 3000
    await client.close()


async def test_sandbox_requests_go_to_the_testnet(sleeps):
    replay = Replay("binance")
    exchange = replayed("binance", replay, sleeps, sandbox=True)
    replay.add("exchange_info")
    await exchange.load_markets()
    assert replay.last().url.startswith("https://testnet.binance.vision/api/v3/exchangeInfo")
    await exchange.close()


def test_unknown_exchange_id():
    with pytest.raises(ExchangeError, match="not an exchange ccxt knows"):
        CcxtExchange("nosuchexchange")


def test_exchange_without_testnet_says_so():
    with pytest.raises(ExchangeError, match="no sandbox"):
        CcxtExchange("bitstamp", sandbox=True)


async def test_any_ccxt_id_builds():
    exchange = CcxtExchange("kraken", ccxt_options={"timeout_on_exit": 0})
    assert (exchange.id, exchange.name) == ("kraken", "Kraken")
    await exchange.close()

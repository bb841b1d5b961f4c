"""Fixtures for the exchange tests: real ccxt clients answered by recorded payloads."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ccxt_replay import Replay  # noqa: E402

from moniqo_desktop.exchanges.ccxt_exchange import CcxtExchange  # noqa: E402
from moniqo_desktop.exchanges.ccxt_retry import RetryPolicy  # noqa: E402

TEST_KEY = "test-api-key-7f3a9c"
TEST_SECRET = "test-secret-b81d4e0a"
TEST_PASSWORD = "test-passphrase-55"


class SleepRecorder:
    """An instant `sleep` that remembers the delays asked for (backoff is asserted, not waited)."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


def replayed(exchange_id: str, replay: Replay, sleeps: SleepRecorder, **kwargs) -> CcxtExchange:
    """A `CcxtExchange` whose ccxt client answers from `replay` (only the HTTP layer is replaced)."""
    exchange = CcxtExchange(
        exchange_id,
        api_key=TEST_KEY,
        secret=TEST_SECRET,
        retry=RetryPolicy(attempts=3, base_delay=0.5),
        sleep=sleeps,
        ccxt_options={"timeout_on_exit": 0, **kwargs.pop("ccxt_options", {})},  # no 250 ms on close
        **kwargs,
    )
    replay.install(exchange.client)
    return exchange


@pytest.fixture
def binance_replay() -> Replay:
    return Replay("binance")


@pytest.fixture
async def binance(binance_replay: Replay, sleeps: SleepRecorder):
    """Binance spot on recordings; markets already loaded from the recorded exchangeInfo."""
    exchange = replayed("binance", binance_replay, sleeps)
    binance_replay.add("exchange_info")
    await exchange.load_markets()
    binance_replay.requests.clear()
    yield exchange
    await exchange.close()
    assert not binance_replay.unmatched, f"unrecorded requests: {binance_replay.unmatched}"
